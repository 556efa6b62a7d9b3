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

    // Sub-block j (32 values): nibble (j & 1) of the 32 bytes at 48 + 32·(j / 2), with bit j of qh[0..32) on top.
    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        float[] scale = new float[8], offset = new float[8];
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            Q4_KKernel.subBlockScales(w, at, scale, offset);
            for (int j = 0; j < 8; j++) {
                long q = at + 48 + 32 * (j >> 1);
                int xi = xOff + 256 * b + 32 * j, shift = 4 * (j & 1);
                acc = Vec.dot16(Vec.bytes(w, q), shift, Vec.bytes(w, at + 16), j, 1, scale[j], offset[j], x, xi, acc);
                acc = Vec.dot16(Vec.bytes(w, q + 16), shift, Vec.bytes(w, at + 32), j, 1, scale[j], offset[j], x, xi + 16, acc);
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
            for (int j = 0; j < 8; j++) {
                long q = at + 48 + 32 * (j >> 1);
                int di = dstOff + 256 * b + 32 * j, shift = 4 * (j & 1);
                Vec.store16(Vec.bytes(w, q), shift, Vec.bytes(w, at + 16), j, 1, scale[j], offset[j], dst, di);
                Vec.store16(Vec.bytes(w, q + 16), shift, Vec.bytes(w, at + 32), j, 1, scale[j], offset[j], dst, di + 16);
            }
        }
    }
}
