package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Q8_0 rows (layout in {@link ScalarKernels#q8_0}): 34-byte blocks of half d + 32 int8. */
final class Q8_0Kernel implements RowKernel {
    static final Q8_0Kernel INSTANCE = new Q8_0Kernel();
    private static final int BLOCK_BYTES = 34;

    private Q8_0Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at);
            int xi = xOff + 32 * b;
            acc = Vec.dot16(Vec.bytes(w, at + 2), 0, -1, d, 0, x, xi, acc);
            acc = Vec.dot16(Vec.bytes(w, at + 18), 0, -1, d, 0, x, xi + 16, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at);
            Vec.store16(Vec.bytes(w, at + 2), 0, -1, d, 0, dst, dstOff + 32 * b);
            Vec.store16(Vec.bytes(w, at + 18), 0, -1, d, 0, dst, dstOff + 32 * b + 16);
        }
    }
}
