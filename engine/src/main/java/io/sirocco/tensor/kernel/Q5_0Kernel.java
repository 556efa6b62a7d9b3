package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_0 rows (layout in {@link ScalarKernels#q5_0}). llama-quantize falls back to it for rows too short for K-quants
 * (e.g. 64-wide tensors of a Q4_K_M file); each block is unpacked to 32 floats and dotted with the Vector API.
 */
final class Q5_0Kernel implements RowKernel {
    static final Q5_0Kernel INSTANCE = new Q5_0Kernel();
    private static final int BLOCK_BYTES = 22;

    private Q5_0Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes) {
        float[] block = new float[32];
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            ScalarKernels.q5_0(w, off + (long) b * BLOCK_BYTES, block, 0);
            for (int i = 0; i < 32; i += L)
                acc = FloatVector.fromArray(F, block, i).fma(FloatVector.fromArray(F, x, xOff + 32 * b + i), acc);
        }
        acc.intoArray(lanes, 0);
        return FloatLanes.sum(lanes, 0, Vec.L);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        for (int b = 0, blocks = cols / 32; b < blocks; b++) ScalarKernels.q5_0(w, off + (long) b * BLOCK_BYTES, dst, dstOff + 32 * b);
    }
}
