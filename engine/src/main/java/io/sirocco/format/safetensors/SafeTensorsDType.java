package io.sirocco.format.safetensors;

import io.sirocco.tensor.GgmlType;
import java.util.Optional;

/** The dtypes a safetensors header can name, with their bit widths and, where the layout is the same, the GGML type. */
public enum SafeTensorsDType {
    BOOL(8, null),
    U8(8, null),
    I8(8, GgmlType.I8),
    F8_E5M2(8, null),
    F8_E4M3(8, null),
    F8_E8M0(8, null),
    I16(16, GgmlType.I16),
    U16(16, null),
    F16(16, GgmlType.F16),
    BF16(16, GgmlType.BF16),
    I32(32, GgmlType.I32),
    U32(32, null),
    F32(32, GgmlType.F32),
    F64(64, GgmlType.F64),
    I64(64, GgmlType.I64),
    U64(64, null),
    C64(64, null),
    /** Sub-byte float formats (packed): a tensor's bit count must be a whole number of bytes. */
    F4(4, null),
    F6_E2M3(6, null),
    F6_E3M2(6, null);

    public final int bits;
    private final GgmlType ggml;

    SafeTensorsDType(int bits, GgmlType ggml) {
        this.bits = bits;
        this.ggml = ggml;
    }

    /** The GGML type with the same element layout, if there is one (check {@link GgmlType#supported} for kernels). */
    public Optional<GgmlType> ggmlType() {
        return Optional.ofNullable(ggml);
    }

    public static Optional<SafeTensorsDType> parse(String name) {
        for (SafeTensorsDType d : values()) if (d.name().equals(name)) return Optional.of(d);
        return Optional.empty();
    }
}
