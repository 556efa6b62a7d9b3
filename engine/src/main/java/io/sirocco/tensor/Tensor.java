package io.sirocco.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named tensor whose bytes stay where they are (usually a slice of a memory-mapped model file).
 *
 * <p>{@code shape} is in PyTorch order, outermost first: a weight matrix is {@code [rows, cols]} with each row
 * contiguous ({@code cols} elements, stored as {@code cols / type.blockSize} blocks). GGUF lists dimensions
 * innermost first ({@code ne[0]} = row length); readers reverse them into this order.
 */
public record Tensor(String name, GgmlType type, long[] shape, MemorySegment data, Derived derived) {

    public Tensor {
        shape = shape.clone();
        if (derived == null) derived = new Derived();
    }

    public Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        this(name, type, shape, data, new Derived());
    }

    /**
     * A form of this tensor's bytes that a kernel builds once and keeps with the tensor (a repacking for decode, see
     * {@code InterleavedRows}): one slot per tensor object, gone with it, never shared with another tensor even over
     * the same memory (a later mapping may reuse the address with other contents).
     */
    public static final class Derived {
        /** For short-lived views (a row range taken per call): kernels build nothing for them. */
        public static final Derived NONE = new Derived(false);

        private final boolean keeps;
        private volatile Object value;

        public Derived() {
            this(true);
        }

        private Derived(boolean keeps) {
            this.keeps = keeps;
        }

        /** Whether derived forms are worth building for this tensor (false for {@link #NONE}). */
        public boolean keeps() {
            return keeps;
        }

        public Object get() {
            return value;
        }

        public void set(Object v) {
            if (keeps) value = v;
        }
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Size of dimension {@code i}; negative indexes count from the end. */
    public long dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** Rows of a matrix view: the product of all but the last dimension. */
    public long rows() {
        return shape.length == 0 ? 1 : elementCount() / shape[shape.length - 1];
    }

    /** Row length (the last, contiguous dimension). */
    public long cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return type.byteSize(cols());
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.name.equals(name) && t.type == type && Arrays.equals(t.shape, shape) && t.data.equals(data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
