package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.LOW4;
import static io.sirocco.tensor.kernel.Vec.ONE;

import io.sirocco.tensor.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Q5_K rows (layout in {@link ScalarKernels#q5_K}): Q4_K plus a fifth bit per value from qh. */
final class Q5_KKernel extends BlockKernel {
    static final Q5_KKernel INSTANCE = new Q5_KKernel();

    private Q5_KKernel() {
        super(GgmlType.Q5_K);
    }

    /** Bit {@code bit} of each qh byte, moved to bit 4. */
    private static ByteVector fifth(ByteVector qh, int bit) {
        return Vec.bits(qh, bit, ONE).lanewise(VectorOperators.LSHL, 4);
    }

    @Override
    float dot(byte[] row, int blocks, float[] x, int xOff) {
        float sum = 0;
        for (int b = 0; b < blocks; b++) sum += block(row, 176 * b, x, xOff + 256 * b);
        return sum;
    }

    private static float block(byte[] row, int at, float[] x, int xi) {
        float d = Bytes.f16(row, at), dmin = Bytes.f16(row, at + 2);
        ByteVector ha = Vec.bytes(row, at + 16), hb = Vec.bytes(row, at + 32);
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < 8; j++) { // sub-block j: nibbles as in Q4_K, fifth bit = bit j of qh
            FloatVector s = Vec.splat(d * Q4_KKernel.scale(row, at + 4, j)), o = Vec.splat(-dmin * Q4_KKernel.min(row, at + 4, j));
            int qs = at + 48 + 32 * (j >> 1), shift = 4 * (j & 1), xj = xi + 32 * j;
            acc = Vec.dot16(Vec.bits(Vec.bytes(row, qs), shift, LOW4).or(fifth(ha, j)), s, o, x, xj, acc);
            acc = Vec.dot16(Vec.bits(Vec.bytes(row, qs + 16), shift, LOW4).or(fifth(hb, j)), s, o, x, xj + 16, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    void dequantize(byte[] row, int blocks, float[] dst, int dstOff) {
        for (int b = 0; b < blocks; b++) dequantizeBlock(row, 176 * b, dst, dstOff + 256 * b);
    }

    private static void dequantizeBlock(byte[] row, int at, float[] dst, int di) {
        float d = Bytes.f16(row, at), dmin = Bytes.f16(row, at + 2);
        ByteVector ha = Vec.bytes(row, at + 16), hb = Vec.bytes(row, at + 32);
        for (int j = 0; j < 8; j++) {
            FloatVector s = Vec.splat(d * Q4_KKernel.scale(row, at + 4, j)), o = Vec.splat(-dmin * Q4_KKernel.min(row, at + 4, j));
            int qs = at + 48 + 32 * (j >> 1), shift = 4 * (j & 1), dj = di + 32 * j;
            Vec.store16(Vec.bits(Vec.bytes(row, qs), shift, LOW4).or(fifth(ha, j)), s, o, dst, dj);
            Vec.store16(Vec.bits(Vec.bytes(row, qs + 16), shift, LOW4).or(fifth(hb, j)), s, o, dst, dj + 16);
        }
    }
}
