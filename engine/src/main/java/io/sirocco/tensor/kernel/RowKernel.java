package io.sirocco.tensor.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The fast kernels of one tensor type, on one row of {@code cols} values stored at byte {@code off} of {@code w}.
 * {@code scratch} holds at least one row's bytes: quantized kernels copy the row there first, because C2 compiles
 * vector loads from a heap array into far fewer nodes than loads from a segment, and a kernel that outgrows C2's
 * inlining budget boxes every vector (measured: kilobytes of garbage per row, 10-20x slower).
 * Arguments are checked by {@link Kernels}; implementations trust them.
 */
interface RowKernel {
    /** Σ_c w[c] · x[xOff + c]. */
    float dot(MemorySegment w, long off, int cols, float[] x, int xOff, byte[] scratch);

    /** dst[dstOff + c] = w[c]. */
    void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff, byte[] scratch);
}
