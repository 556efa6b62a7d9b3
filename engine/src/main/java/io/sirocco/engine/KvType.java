package io.sirocco.engine;

/**
 * How keys and values are stored in the paged cache. Values are converted on write and widened to f32 on read inside
 * attention; the arithmetic is always f32.
 */
public enum KvType {
    /** Exact: what the reference generator uses; 4 bytes a value. */
    F32(4.0),
    /** IEEE half (llama.cpp's default cache type); 2 bytes a value. */
    F16(2.0),
    /** bfloat16 (the checkpoints' type); 2 bytes a value. */
    BF16(2.0),
    /** ggml q8_0: blocks of 32 int8 values sharing an f16 scale (34 bytes per 32 values); head_dim must be a multiple of 32. */
    Q8_0(34.0 / 32);

    /** Bytes a stored value takes, scales included. */
    public final double bytesPerValue;

    KvType(double bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    /** Parses a command-line name: f32, f16, bf16, q8_0 (case-insensitive). */
    public static KvType parse(String name) {
        for (KvType t : values()) if (t.name().equalsIgnoreCase(name.trim())) return t;
        throw new IllegalArgumentException("unknown KV cache type '" + name + "' (expected f32, f16, bf16 or q8_0)");
    }
}
