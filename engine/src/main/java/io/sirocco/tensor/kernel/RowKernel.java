package io.sirocco.tensor.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The fast kernels of one tensor type, on one row of {@code cols} values stored at byte {@code off} of {@code w}.
 * Arguments are checked by {@link Kernels}; implementations trust them.
 */
interface RowKernel {
    /** Σ_c w[c] · x[xOff + c]. */
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff);

    /** dst[dstOff + c] = w[c]. */
    void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff);
}
