package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K rows (layout in {@link ScalarKernels#q6_K}): 210-byte super-blocks of 256 values. Each 16-byte load of ql/qh
 * covers 16 consecutive l of one half, which share one scale per output quarter.
 */
final class Q6_KKernel implements RowKernel {
    static final Q6_KKernel INSTANCE = new Q6_KKernel();
    private static final int BLOCK_BYTES = 210;

    private Q6_KKernel() {}

    /*
     * The dot takes a half (128 values) as two slices g of 16 consecutive l: ql[16g ..] holds the low nibbles of
     * quarters 0 (low) and 2 (high), ql[32 + 16g ..] those of quarters 1 and 3, and bits 2j of qh[16g ..] the top
     * bits of quarter j. Each of the three 16-byte loads is widened to int lanes once and feeds 2 or 4 quarters
     * (value l + 32j of the half, scale sc[g + 2j]); the −32 is an integer subtraction and the scale multiplies the
     * 16 q·x products, so no per-value dequantization FMA remains. Two accumulators keep two FMA chains in flight.
     */
    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at + 208);
            for (int half = 0; half < 2; half++) {
                long ql = at + 64 * half, qh = at + 128 + 32 * half, sc = at + 192 + 8 * half;
                int base = xOff + 256 * b + 128 * half;
                for (int g = 0; g < 2; g++) {
                    ByteVector bl0 = ByteVector.fromMemorySegment(Vec.B16, w, ql + 16 * g, Vec.LE);
                    ByteVector bl1 = ByteVector.fromMemorySegment(Vec.B16, w, ql + 32 + 16 * g, Vec.LE);
                    ByteVector bh = ByteVector.fromMemorySegment(Vec.B16, w, qh + 16 * g, Vec.LE);
                    float s0 = d * Bytes.i8(w, sc + g), s1 = d * Bytes.i8(w, sc + g + 2);
                    float s2 = d * Bytes.i8(w, sc + g + 4), s3 = d * Bytes.i8(w, sc + g + 6);
                    // Vector calls written out (not through Vec helpers): fewer inlining levels for C2.
                    for (int p = 0; p < Vec.PARTS; p++) {
                        IntVector l0 = (IntVector) bl0.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p);
                        IntVector l1 = (IntVector) bl1.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p);
                        IntVector h = (IntVector) bh.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p);
                        int xi = base + 16 * g + p * Vec.L;
                        IntVector q0 = l0.and(0xF).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30)).sub(32);
                        IntVector q1 = l1.and(0xF).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30)).sub(32);
                        IntVector q2 = l0.lanewise(VectorOperators.LSHR, 4).or(h.and(0x30)).sub(32);
                        IntVector q3 = l1.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2).and(0x30)).sub(32);
                        acc0 = ((FloatVector) q0.convert(VectorOperators.I2F, 0)).mul(s0).fma(FloatVector.fromArray(F, x, xi), acc0);
                        acc1 = ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(s1).fma(FloatVector.fromArray(F, x, xi + 32), acc1);
                        acc0 = ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(s2).fma(FloatVector.fromArray(F, x, xi + 64), acc0);
                        acc1 = ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(s3).fma(FloatVector.fromArray(F, x, xi + 96), acc1);
                    }
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at + 208);
            for (int half = 0; half < 2; half++) {
                long ql = at + 64 * half, qh = at + 128 + 32 * half, sc = at + 192 + 8 * half;
                int base = dstOff + 256 * b + 128 * half;
                for (int j = 0; j < 4; j++) {
                    for (int g = 0; g < 2; g++) {
                        float s = d * Bytes.i8(w, sc + g + 2 * j);
                        Vec.store16(Vec.bytes(w, ql + 16 * g + 32 * (j & 1)), 4 * (j >> 1), Vec.bytes(w, qh + 16 * g), 2 * j, 3,
                                s, -32 * s, dst, base + 16 * g + 32 * j);
                    }
                }
            }
        }
    }
}
