package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Q5_K rows (layout in {@link ScalarKernels#q5_K}): Q4_K plus a fifth bit per value from qh. */
final class Q5_KKernel implements RowKernel {
    static final Q5_KKernel INSTANCE = new Q5_KKernel();
    private static final int BLOCK_BYTES = 176;

    private Q5_KKernel() {}

    /** The 5-bit values: a nibble of {@code q} (low or high) with bit {@code bit} of {@code qh} on top. */
    private static ByteVector fiveBits(ByteVector q, boolean high, ByteVector qh, int bit) {
        ByteVector nibble = high ? Vec.bits(q, 4, 0xF) : q.and((byte) 0xF);
        return nibble.or(Vec.bits(qh, bit, 1).lanewise(VectorOperators.LSHL, 4));
    }

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        float[] scale = new float[8], offset = new float[8];
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            Q4_KKernel.subBlockScales(w, at, scale, offset);
            ByteVector ha = Vec.bytes(w, at + 16), hb = Vec.bytes(w, at + 32);
            for (int k = 0; k < 4; k++) {
                ByteVector qa = Vec.bytes(w, at + 48 + 32 * k), qb = Vec.bytes(w, at + 64 + 32 * k);
                int xi = xOff + 256 * b + 64 * k;
                float s1 = scale[2 * k], o1 = offset[2 * k], s2 = scale[2 * k + 1], o2 = offset[2 * k + 1];
                acc = Vec.dot16(fiveBits(qa, false, ha, 2 * k), s1, o1, x, xi, acc);
                acc = Vec.dot16(fiveBits(qb, false, hb, 2 * k), s1, o1, x, xi + 16, acc);
                acc = Vec.dot16(fiveBits(qa, true, ha, 2 * k + 1), s2, o2, x, xi + 32, acc);
                acc = Vec.dot16(fiveBits(qb, true, hb, 2 * k + 1), s2, o2, x, xi + 48, acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        float[] scale = new float[8], offset = new float[8];
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            Q4_KKernel.subBlockScales(w, at, scale, offset);
            ByteVector ha = Vec.bytes(w, at + 16), hb = Vec.bytes(w, at + 32);
            for (int k = 0; k < 4; k++) {
                ByteVector qa = Vec.bytes(w, at + 48 + 32 * k), qb = Vec.bytes(w, at + 64 + 32 * k);
                int di = dstOff + 256 * b + 64 * k;
                float s1 = scale[2 * k], o1 = offset[2 * k], s2 = scale[2 * k + 1], o2 = offset[2 * k + 1];
                Vec.store16(fiveBits(qa, false, ha, 2 * k), s1, o1, dst, di);
                Vec.store16(fiveBits(qb, false, hb, 2 * k), s1, o1, dst, di + 16);
                Vec.store16(fiveBits(qa, true, ha, 2 * k + 1), s2, o2, dst, di + 32);
                Vec.store16(fiveBits(qb, true, hb, 2 * k + 1), s2, o2, dst, di + 48);
            }
        }
    }
}
