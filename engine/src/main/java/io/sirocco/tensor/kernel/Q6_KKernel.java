package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.LOW4;
import static io.sirocco.tensor.kernel.Vec.THIRTY_TWO;
import static io.sirocco.tensor.kernel.Vec.THREE;

import io.sirocco.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K rows (layout in {@link ScalarKernels#q6_K}): 210-byte super-blocks of 256 values. One 16-byte load each of
 * ql, ql + 32 and qh covers 16 consecutive l of one half: 16 values of each of its four quarters, one scale each.
 */
final class Q6_KKernel extends BlockKernel {
    static final Q6_KKernel INSTANCE = new Q6_KKernel();

    private static final FloatVector ZERO = FloatVector.zero(F);

    private Q6_KKernel() {
        super(GgmlType.Q6_K);
    }

    @Override
    float dot(byte[] row, int blocks, float[] x, int xOff) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) sum += block(row, 210 * b, x, xOff + 256 * b);
        return sum;
    }

    /**
     * Iteration i = (half, g, k) loads ql[64·half + 32k + 16g ..] and qh[32·half + 16g ..]: its low nibbles are
     * quarter k, its high nibbles quarter k + 2, with the 2-bit fields of qh at 2k and 2k + 4. Two products per
     * iteration keep the loop body within C2's inlining node budget.
     */
    private static float block(byte[] row, int at, float[] x, int xi) {
        float d = Bytes.f16(row, at + 208);
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < 8; i++) {
            int half = i >> 2, g = (i >> 1) & 1, k = i & 1;
            ByteVector ql = Vec.bytes(row, at + 64 * half + 32 * k + 16 * g);
            ByteVector qh = Vec.bytes(row, at + 128 + 32 * half + 16 * g);
            int sc = at + 192 + 8 * half + g + 2 * k, xq = xi + 128 * half + 32 * k + 16 * g;
            ByteVector lowQuarter = ql.and(LOW4).or(Vec.bits(qh, 2 * k, THREE).lanewise(VectorOperators.LSHL, 4)).sub(THIRTY_TWO);
            ByteVector highQuarter = Vec.bits(ql, 4, LOW4).or(Vec.bits(qh, 2 * k + 4, THREE).lanewise(VectorOperators.LSHL, 4)).sub(THIRTY_TWO);
            acc = Vec.dot16(lowQuarter, Vec.splat(d * row[sc]), ZERO, x, xq, acc);
            acc = Vec.dot16(highQuarter, Vec.splat(d * row[sc + 4]), ZERO, x, xq + 64, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void dequantize(byte[] row, int blocks, float[] dst, int dstOff) {
        for (int b = 0; b < blocks; b++) dequantizeBlock(row, 210 * b, dst, dstOff + 256 * b);
    }

    private static void dequantizeBlock(byte[] row, int at, float[] dst, int di) {
        float d = Bytes.f16(row, at + 208);
        for (int i = 0; i < 8; i++) {
            int half = i >> 2, g = (i >> 1) & 1, k = i & 1;
            ByteVector ql = Vec.bytes(row, at + 64 * half + 32 * k + 16 * g);
            ByteVector qh = Vec.bytes(row, at + 128 + 32 * half + 16 * g);
            int sc = at + 192 + 8 * half + g + 2 * k, dq = di + 128 * half + 32 * k + 16 * g;
            ByteVector lowQuarter = ql.and(LOW4).or(Vec.bits(qh, 2 * k, THREE).lanewise(VectorOperators.LSHL, 4)).sub(THIRTY_TWO);
            ByteVector highQuarter = Vec.bits(ql, 4, LOW4).or(Vec.bits(qh, 2 * k + 4, THREE).lanewise(VectorOperators.LSHL, 4)).sub(THIRTY_TWO);
            Vec.store16(lowQuarter, Vec.splat(d * row[sc]), ZERO, dst, dq);
            Vec.store16(highQuarter, Vec.splat(d * row[sc + 4]), ZERO, dst, dq + 64);
        }
    }
}
