package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q4_K rows (layout in {@link ScalarKernels#q4_K}): 144-byte super-blocks of 256 values, eight scaled sub-blocks. */
final class Q4_KKernel implements RowKernel {
    static final Q4_KKernel INSTANCE = new Q4_KKernel();
    private static final int BLOCK_BYTES = 144;

    private Q4_KKernel() {}

    /** Effective scale d·sc[j] and offset −dmin·m[j] of the eight sub-blocks of the (Q4_K or Q5_K) block at {@code at}. */
    static void subBlockScales(MemorySegment w, long at, float[] scale, float[] offset) {
        float d = Bytes.f16(w, at), dmin = Bytes.f16(w, at + 2);
        for (int j = 0; j < 8; j++) {
            scale[j] = d * ScalarKernels.scaleK4(w, at + 4, j);
            offset[j] = -dmin * ScalarKernels.minK4(w, at + 4, j);
        }
    }

    // Sub-block j (32 values) takes nibble (j & 1) of the 32 bytes at 16 + 32·(j / 2): one loop body keeps the
    // method small enough for C2 to inline every vector operation.
    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        float[] scale = new float[8], offset = new float[8];
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            subBlockScales(w, at, scale, offset);
            for (int j = 0; j < 8; j++) {
                long q = at + 16 + 32 * (j >> 1);
                int xi = xOff + 256 * b + 32 * j, shift = 4 * (j & 1);
                float s = scale[j], o = offset[j];
                ByteVector qa = Vec.bytes(w, q), qb = Vec.bytes(w, q + 16);
                // Vector calls written out (not through Vec helpers): fewer inlining levels for C2 in this hot loop.
                for (int p = 0; p < Vec.PARTS; p++) {
                    FloatVector va = ((FloatVector) ((IntVector) qa.convertShape(VectorOperators.B2I, Vec.I, p))
                            .lanewise(VectorOperators.LSHR, shift).and(0xF).convert(VectorOperators.I2F, 0)).fma(s, o);
                    FloatVector vb = ((FloatVector) ((IntVector) qb.convertShape(VectorOperators.B2I, Vec.I, p))
                            .lanewise(VectorOperators.LSHR, shift).and(0xF).convert(VectorOperators.I2F, 0)).fma(s, o);
                    acc = va.fma(FloatVector.fromArray(F, x, xi + p * Vec.L), acc);
                    acc = vb.fma(FloatVector.fromArray(F, x, xi + 16 + p * Vec.L), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        float[] scale = new float[8], offset = new float[8];
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            subBlockScales(w, at, scale, offset);
            for (int j = 0; j < 8; j++) {
                long q = at + 16 + 32 * (j >> 1);
                int di = dstOff + 256 * b + 32 * j, shift = 4 * (j & 1);
                Vec.store16(Vec.bytes(w, q), shift, 0xF, scale[j], offset[j], dst, di);
                Vec.store16(Vec.bytes(w, q + 16), shift, 0xF, scale[j], offset[j], dst, di + 16);
            }
        }
    }
}
