package io.sirocco.format.safetensors;

import io.sirocco.tensor.GgmlType;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * One entry of a safetensors header, whatever its dtype. {@code shape} is outermost first (PyTorch order);
 * {@code offset} is absolute in {@code file}.
 */
public record SafeTensorInfo(String name, SafeTensorsDType dtype, long[] shape, Path file, long offset, long byteSize) {
    public SafeTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public Optional<GgmlType> ggmlType() {
        return dtype.ggmlType();
    }

    /** Whether Sirocco can compute with this tensor as it is (a GGML type with kernels). */
    public boolean supported() {
        return ggmlType().map(t -> t.supported).orElse(false);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SafeTensorInfo i && i.name.equals(name) && i.dtype == dtype && Arrays.equals(i.shape, shape)
                && i.file.equals(file) && i.offset == offset && i.byteSize == byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
