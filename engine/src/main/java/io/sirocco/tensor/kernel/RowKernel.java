package io.sirocco.tensor.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The fast kernels of one tensor type, on one row of {@code cols} values stored at byte {@code off} of {@code w}.
 * Arguments are checked by {@link Kernels}; implementations trust them. {@code lanes} is the caller's scratch of at
 * least 4·L floats, into which the kernels store their accumulators to sum the lanes ({@link FloatLanes#sum(float[],
 * int, int)}): the same bits whether the code runs interpreted, in C1 or in C2, which reduceLanes does not give.
 */
interface RowKernel {
    /** Σ_c w[c] · x[xOff + c]. */
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes);

    /**
     * out[ia] = Σ_c wA[c] · x[xOff + c] and out[ib] likewise for the row at {@code offB}. In decode one thread waits
     * on memory latency rather than bandwidth; a
     * kernel that walks two rows far apart in one loop keeps two streams in flight (Q4_K and Q6_K override this,
     * 10–15 % from DRAM; Q4_0 and Q8_0 go to four rows in {@link #dot4}). The default is two {@link #dot} calls.
     */
    default void dot2(MemorySegment w, long offA, long offB, int cols, float[] x, int xOff, float[] out, int ia, int ib,
                      float[] lanes) {
        out[ia] = dot(w, offA, cols, x, xOff, lanes);
        out[ib] = dot(w, offB, cols, x, xOff, lanes);
    }

    /**
     * out[o + i·outStride] = Σ_c w_i[c] · x[xOff + c] for the four rows at off + i·stride, i = 0..3; px is what
     * {@link #prepare} returned for this x. From DRAM one
     * thread's decode is bound by how many misses it keeps in flight more than by its arithmetic: a kernel that
     * walks four rows far apart in one loop keeps four streams going (Q8_0, KernelBench 65536×5120 at 2 threads:
     * 18.6–20.4 → 11.9–15.0 ms against two streams; Q4_0 at 1 thread 13.5 → 10 ms). Adjacent rows are worse than one
     * stream (the hardware prefetcher loses them), and four rows did not help Q6_K. The default is two {@link #dot2}
     * calls.
     */
    default void dot4(MemorySegment w, long off, long stride, int cols, float[] x, int xOff, float[] px,
                      float[] out, int o, int outStride, float[] lanes) {
        dot2(w, off, off + stride, cols, x, xOff, out, o, o + outStride, lanes);
        dot2(w, off + 2 * stride, off + 3 * stride, cols, x, xOff, out, o + 2 * outStride, o + 3 * outStride, lanes);
    }

    /**
     * What {@link #dot4} needs besides x, derived from x[xOff .. xOff + cols) once per
     * matrix-vector product (block sums that let the kernel take a block's offset out of its inner loop), or null
     * when it needs nothing.
     */
    default float[] prepare(float[] x, int xOff, int cols) {
        return null;
    }

    /** dst[dstOff + c] = w[c]. */
    void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff);
}
