package io.sirocco.tensor.kernel;

import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;

/** Argument checks shared by the kernels, so bad input fails with a message instead of deep inside a loop. */
final class Checks {
    private Checks() {}

    static UnsupportedOperationException unsupported(GgmlType type) {
        return new UnsupportedOperationException("no kernel for tensor type " + type
                + " (supported: F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K)");
    }

    /** Validates type, row length and byte size of {@code w}; returns its row length. */
    static int cols(Tensor w) {
        GgmlType type = w.type();
        if (!type.supported) throw unsupported(type);
        long cols = w.cols();
        if (cols % type.blockSize != 0)
            throw new IllegalArgumentException(w + ": row length " + cols + " is not a multiple of the " + type
                    + " block size " + type.blockSize);
        if (cols > Integer.MAX_VALUE) throw new IllegalArgumentException(w + ": row length " + cols + " is too large");
        long needed = w.rows() * w.rowBytes();
        if (w.data().byteSize() < needed)
            throw new IllegalArgumentException(w + ": data has " + w.data().byteSize() + " bytes, the shape needs " + needed);
        return (int) cols;
    }

    /** Row count of {@code w} as an int (outputs are float arrays). */
    static int rows(Tensor w) {
        long rows = w.rows();
        if (rows > Integer.MAX_VALUE) throw new IllegalArgumentException(w + ": " + rows + " rows is too many");
        return (int) rows;
    }

    static void row(Tensor w, long row) {
        if (row < 0 || row >= w.rows())
            throw new IndexOutOfBoundsException(w + ": row " + row + " out of range [0, " + w.rows() + ")");
    }

    static void range(String what, int length, long off, long count) {
        if (off < 0 || count < 0 || off + count > length)
            throw new IndexOutOfBoundsException(what + ": need " + count + " floats at offset " + off
                    + " but the array has " + length);
    }

    static void count(int n) {
        if (n < 0) throw new IllegalArgumentException("activation row count must not be negative, got " + n);
    }
}
