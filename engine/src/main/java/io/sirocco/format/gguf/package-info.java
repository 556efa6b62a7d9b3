/**
 * GGUF (llama.cpp's model format), versions 2 and 3, little-endian: {@link io.sirocco.format.gguf.GgufFile} maps a
 * file and validates every count, length, offset and size against the file before use, so corrupt or hostile files
 * end in a {@link io.sirocco.format.ModelFormatException}; {@link io.sirocco.format.gguf.GgufWriter} writes v3 files
 * laid out as llama.cpp lays them out (a copy of a v3 file is byte-identical). Tensor shapes are reversed from GGUF's
 * innermost-first {@code ne} into {@link io.sirocco.tensor.Tensor}'s outermost-first order.
 */
package io.sirocco.format.gguf;
