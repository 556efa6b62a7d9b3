package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.LOW4;

import io.sirocco.tensor.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_K rows (layout in {@link ScalarKernels#q4_K}): 144-byte super-blocks of 256 values, eight scaled sub-blocks.
 * {@code block} handles one super-block and returns a float, so that nothing is boxed if it is not inlined.
 */
final class Q4_KKernel extends BlockKernel {
    static final Q4_KKernel INSTANCE = new Q4_KKernel();

    private Q4_KKernel() {
        super(GgmlType.Q4_K);
    }

    /** 6-bit scale of sub-block j from the 12 packed bytes at {@code s} (see {@link ScalarKernels#scaleK4}). */
    static int scale(byte[] b, int s, int j) {
        return j < 4 ? b[s + j] & 63 : (b[s + j + 4] & 0xF) | (b[s + j - 4] & 0xC0) >>> 2;
    }

    /** 6-bit min of sub-block j (see {@link ScalarKernels#minK4}). */
    static int min(byte[] b, int s, int j) {
        return j < 4 ? b[s + j + 4] & 63 : (b[s + j + 4] & 0xF0) >>> 4 | (b[s + j] & 0xC0) >>> 2;
    }

    @Override
    float dot(byte[] row, int blocks, float[] x, int xOff) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) sum += block(row, 144 * b, x, xOff + 256 * b);
        return sum;
    }

    private static float block(byte[] row, int at, float[] x, int xi) {
        float d = Bytes.f16(row, at), dmin = Bytes.f16(row, at + 2);
        FloatVector acc = FloatVector.zero(F);
        // Sub-block j: the low (even j) or high (odd j) nibbles of qs[32·(j/2) .. +32). One sub-block per iteration
        // keeps the loop body within C2's inlining node budget.
        for (int j = 0; j < 8; j++) {
            FloatVector s = Vec.splat(d * scale(row, at + 4, j)), o = Vec.splat(-dmin * min(row, at + 4, j));
            int qs = at + 16 + 32 * (j >> 1), shift = 4 * (j & 1), xj = xi + 32 * j;
            acc = Vec.dot16(Vec.bits(Vec.bytes(row, qs), shift, LOW4), s, o, x, xj, acc);
            acc = Vec.dot16(Vec.bits(Vec.bytes(row, qs + 16), shift, LOW4), s, o, x, xj + 16, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void dequantize(byte[] row, int blocks, float[] dst, int dstOff) {
        for (int b = 0; b < blocks; b++) dequantizeBlock(row, 144 * b, dst, dstOff + 256 * b);
    }

    private static void dequantizeBlock(byte[] row, int at, float[] dst, int di) {
        float d = Bytes.f16(row, at), dmin = Bytes.f16(row, at + 2);
        for (int j = 0; j < 8; j++) {
            FloatVector s = Vec.splat(d * scale(row, at + 4, j)), o = Vec.splat(-dmin * min(row, at + 4, j));
            int qs = at + 16 + 32 * (j >> 1), shift = 4 * (j & 1), dj = di + 32 * j;
            Vec.store16(Vec.bits(Vec.bytes(row, qs), shift, LOW4), s, o, dst, dj);
            Vec.store16(Vec.bits(Vec.bytes(row, qs + 16), shift, LOW4), s, o, dst, dj + 16);
        }
    }
}
