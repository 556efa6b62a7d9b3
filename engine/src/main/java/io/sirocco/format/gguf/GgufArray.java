package io.sirocco.format.gguf;

import java.util.List;

/**
 * A metadata array for {@link GgufWriter} with its element type spelled out (the reader returns plain lists).
 * Elements of an {@link GgufValueType#ARRAY} array are themselves {@code GgufArray}s or plain lists (type inferred).
 */
public record GgufArray(GgufValueType elementType, List<?> values) {
    public GgufArray {
        values = List.copyOf(values);
    }
}
