/**
 * Safetensors (Hugging Face and Mistral native checkpoints): {@link io.sirocco.format.safetensors.SafeTensors} maps a
 * file or every shard of a {@code *.safetensors.index.json} and validates the JSON header (size, dtypes, shapes,
 * offsets in range, no overlaps, sizes matching dtype × shape); dtypes without a GGML equivalent (FP8, unsigned,
 * packed) are listed, not hidden, so a loader can name them. {@link io.sirocco.format.safetensors.SafeTensorsWriter}
 * writes files and shard indexes for tests and conversions.
 */
package io.sirocco.format.safetensors;
