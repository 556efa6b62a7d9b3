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
     * Both methods walk a half (128 values) as 8 groups of 16: group g (0/1) of quarter j (0..3) takes the nibbles of
     * ql[16g + 32(j & 1) ..] (low for j < 2, high after), bits 2j of qh[16g ..] and scale sc[g + 2j]. One loop body
     * (rather than eight unrolled calls) keeps the method small enough for C2 to inline every vector operation.
     */
    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at + 208);
            for (int half = 0; half < 2; half++) {
                long ql = at + 64 * half, qh = at + 128 + 32 * half, sc = at + 192 + 8 * half;
                int base = xOff + 256 * b + 128 * half;
                for (int j = 0; j < 4; j++) {
                    for (int g = 0; g < 2; g++) {
                        float s = d * Bytes.i8(w, sc + g + 2 * j);
                        ByteVector lo = ByteVector.fromMemorySegment(Vec.B16, w, ql + 16 * g + 32 * (j & 1), Vec.LE);
                        ByteVector hi = ByteVector.fromMemorySegment(Vec.B16, w, qh + 16 * g, Vec.LE);
                        int xi = base + 16 * g + 32 * j;
                        // Vector calls written out here rather than through Vec.dot16: fewer inlining levels, which
                        // C2 needs to keep every vector in registers in this larger loop.
                        for (int p = 0; p < Vec.PARTS; p++) {
                            IntVector q = ((IntVector) lo.convertShape(VectorOperators.B2I, Vec.I, p)).lanewise(VectorOperators.LSHR, 4 * (j >> 1)).and(0xF)
                                    .or(((IntVector) hi.convertShape(VectorOperators.B2I, Vec.I, p)).lanewise(VectorOperators.LSHR, 2 * j).and(3)
                                            .lanewise(VectorOperators.LSHL, 4));
                            acc = ((FloatVector) q.convert(VectorOperators.I2F, 0)).fma(s, -32 * s)
                                    .fma(FloatVector.fromArray(F, x, xi + p * Vec.L), acc);
                        }
                    }
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
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
