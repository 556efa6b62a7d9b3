package io.sirocco.tensor.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The fast kernels of one tensor type, on one row of {@code cols} values stored at byte {@code off} of {@code w}.
 * Arguments are checked by {@link Kernels}; implementations trust them.
 */
interface RowKernel {
    /** Σ_c w[c] · x[xOff + c]. */
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff);

    /**
     * out[ia] = Σ_c wA[c] · x[xOff + c] and out[ib] likewise for the row at {@code offB}. In decode one thread waits on
     * memory latency rather than bandwidth; a kernel that walks two rows far apart in one loop keeps two streams in
     * flight (Q8_0 +25–30 %, Q4_0 and Q4_K 10–15 % from DRAM; overridden by those and Q6_K). The default is two
     * {@link #dot} calls.
     */
    default void dot2(MemorySegment w, long offA, long offB, int cols, float[] x, int xOff, float[] out, int ia, int ib) {
        out[ia] = dot(w, offA, cols, x, xOff);
        out[ib] = dot(w, offB, cols, x, xOff);
    }

    /** dst[dstOff + c] = w[c]. */
    void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff);
}
