package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q5_K rows (layout in {@link ScalarKernels#q5_K}): Q4_K plus a fifth bit per value from qh. */
final class Q5_KKernel implements RowKernel {
    static final Q5_KKernel INSTANCE = new Q5_KKernel();
    private static final int BLOCK_BYTES = 176;

    private Q5_KKernel() {}

    // As Q4_KKernel#dot (chunk k = the 32 bytes at 48 + 32k, low nibbles sub-block 2k, high nibbles 2k+1), with
    // bits 2k and 2k+1 of qh[l] as the fifth bits; each qs and qh load is widened once.
    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at), dmin = Bytes.f16(w, at + 2);
            long sc = w.get(Bytes.LONG, at + 4);
            int sc8 = w.get(Bytes.INT, at + 12);
            long scales = Q4_KKernel.scales(sc, sc8), mins = Q4_KKernel.mins(sc, sc8);  // byte j: sub-block j's
            for (int k = 0; k < 4; k++) {
                float s0 = d * (int) (scales >>> 16 * k & 0xFF), o0 = -dmin * (int) (mins >>> 16 * k & 0xFF);
                float s1 = d * (int) (scales >>> 16 * k + 8 & 0xFF), o1 = -dmin * (int) (mins >>> 16 * k + 8 & 0xFF);
                long q = at + 48 + 32 * k;
                int xi = xOff + 256 * b + 64 * k;
                for (int half = 0; half < 2; half++) {
                    ByteVector qb = ByteVector.fromMemorySegment(Vec.B16, w, q + 16 * half, Vec.LE);
                    ByteVector hb = ByteVector.fromMemorySegment(Vec.B16, w, at + 16 + 16 * half, Vec.LE);
                    // Vector calls written out (not through Vec helpers): fewer inlining levels for C2 in this hot loop.
                    for (int p = 0; p < Vec.PARTS; p++) {
                        IntVector v = (IntVector) qb.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p);
                        IntVector h = ((IntVector) hb.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p)).lanewise(VectorOperators.LSHR, 2 * k);
                        int xj = xi + 16 * half + p * Vec.L;
                        IntVector qlo = v.and(0xF).or(h.and(1).lanewise(VectorOperators.LSHL, 4));
                        IntVector qhi = v.lanewise(VectorOperators.LSHR, 4).or(h.and(2).lanewise(VectorOperators.LSHL, 3));
                        FloatVector lo = ((FloatVector) qlo.convert(VectorOperators.I2F, 0)).fma(s0, o0);
                        FloatVector hi = ((FloatVector) qhi.convert(VectorOperators.I2F, 0)).fma(s1, o1);
                        acc0 = lo.fma(FloatVector.fromArray(F, x, xj), acc0);
                        acc1 = hi.fma(FloatVector.fromArray(F, x, xj + 32), acc1);
                    }
                }
            }
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return FloatLanes.sum(lanes, 0, Vec.L);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        float[] so = new float[16];  // (scale, offset) × 8 sub-blocks
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            Q4_KKernel.subBlockScales(w, at, so, 0);
            // Written out as in Q4_KKernel.dequantize: through Vec.store16 the vectors were boxed (34 MB allocated per
            // 4096×5120 token-panel matmul).
            for (int j = 0; j < 8; j++) {
                long q = at + 48 + 32 * (j >> 1);
                int di = dstOff + 256 * b + 32 * j, shift = 4 * (j & 1);
                float scale = so[j], offset = so[8 + j];
                for (int h = 0; h < 2; h++) {
                    ByteVector lo = ByteVector.fromMemorySegment(Vec.B16, w, q + 16 * h, Vec.LE);
                    ByteVector hi = ByteVector.fromMemorySegment(Vec.B16, w, at + 16 + 16 * h, Vec.LE);
                    for (int p = 0; p < Vec.PARTS; p++) {
                        IntVector low = ((IntVector) lo.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p)).lanewise(VectorOperators.LSHR, shift).and(0xF);
                        IntVector high = ((IntVector) hi.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p)).lanewise(VectorOperators.LSHR, j).and(1);
                        ((FloatVector) low.or(high.lanewise(VectorOperators.LSHL, 4)).convert(VectorOperators.I2F, 0))
                                .fma(scale, offset).intoArray(dst, di + 16 * h + p * Vec.L);
                    }
                }
            }
        }
    }
}
