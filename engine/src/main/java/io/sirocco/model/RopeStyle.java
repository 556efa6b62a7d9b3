package io.sirocco.model;

/**
 * Which lanes of a head RoPE rotates together. Both styles compute the same model when the q/k rows are ordered to
 * match (spec §1.4), so HF weights run with {@link #HALF_SPLIT} instead of being permuted (and copied) at load.
 */
public enum RopeStyle {
    /** Pairs (x[2i], x[2i+1]): mistral-inference, native consolidated.safetensors, GGUF. */
    INTERLEAVED,
    /** Pairs (x[i], x[i + headDim/2]): Hugging Face rotate_half. */
    HALF_SPLIT
}
