package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.EIGHT;
import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.LOW4;

import io.sirocco.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Q4_0 rows (layout in {@link ScalarKernels#q4_0}): 18-byte blocks of half d + 16 bytes of nibbles. */
final class Q4_0Kernel extends BlockKernel {
    static final Q4_0Kernel INSTANCE = new Q4_0Kernel();

    /** Blocks per call of {@code group}: 256 values, like one K-quant super-block. */
    private static final int GROUP = 8;

    private Q4_0Kernel() {
        super(GgmlType.Q4_0);
    }

    @Override
    float dot(byte[] row, int blocks, float[] x, int xOff) {
        float sum = 0;
        for (int b = 0; b < blocks; b += GROUP) sum += group(row, b, Math.min(blocks, b + GROUP), x, xOff);
        return sum;
    }

    /** Blocks [from, to) of the row; returns a float so no vector crosses a call that might not be inlined. */
    private static float group(byte[] row, int from, int to, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = from; b < to; b++) {
            int at = 18 * b, xi = xOff + 32 * b;
            ByteVector q = Vec.bytes(row, at + 2);
            FloatVector block = Vec.dot16(q.and(LOW4).sub(EIGHT), x, xi, FloatVector.zero(F));
            block = Vec.dot16(Vec.bits(q, 4, LOW4).sub(EIGHT), x, xi + 16, block);
            acc = block.fma(Vec.splat(Bytes.f16(row, at)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void dequantize(byte[] row, int blocks, float[] dst, int dstOff) {
        for (int b = 0; b < blocks; b += GROUP) dequantizeGroup(row, b, Math.min(blocks, b + GROUP), dst, dstOff);
    }

    private static void dequantizeGroup(byte[] row, int from, int to, float[] dst, int dstOff) {
        FloatVector zero = FloatVector.zero(F);
        for (int b = from; b < to; b++) {
            int at = 18 * b;
            FloatVector d = Vec.splat(Bytes.f16(row, at));
            ByteVector q = Vec.bytes(row, at + 2);
            Vec.store16(q.and(LOW4).sub(EIGHT), d, zero, dst, dstOff + 32 * b);
            Vec.store16(Vec.bits(q, 4, LOW4).sub(EIGHT), d, zero, dst, dstOff + 32 * b + 16);
        }
    }
}
