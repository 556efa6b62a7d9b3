package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Q8_0 rows (layout in {@link ScalarKernels#q8_0}): 34-byte blocks of half d + 32 int8. */
final class Q8_0Kernel implements RowKernel {
    static final Q8_0Kernel INSTANCE = new Q8_0Kernel();
    private static final int BLOCK_BYTES = 34;

    private Q8_0Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;  // two chains of FMAs in flight
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at);
            ByteVector q0 = Vec.bytes(w, at + 2), q1 = Vec.bytes(w, at + 18);
            int xi = xOff + 32 * b;
            // Σ q·x per block, scaled once: one multiply per 32 weights instead of one per 16.
            FloatVector s0 = FloatVector.zero(F), s1 = s0;
            for (int p = 0; p < Vec.PARTS; p++) {
                s0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + p * Vec.L), s0);
                s1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).fma(FloatVector.fromArray(F, x, xi + 16 + p * Vec.L), s1);
            }
            acc0 = s0.fma(FloatVector.broadcast(F, d), acc0);
            acc1 = s1.fma(FloatVector.broadcast(F, d), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dot2(MemorySegment w, long offA, long offB, int cols, float[] x, int xOff, float[] out, int ia, int ib) {
        if (Vec.PARTS != 1) {  // written for 16 float lanes (one 16-byte group per vector)
            RowKernel.super.dot2(w, offA, offB, cols, x, xOff, out, ia, ib);
            return;
        }
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long at = offA + (long) b * BLOCK_BYTES, bt = offB + (long) b * BLOCK_BYTES;
            int xi = xOff + 32 * b;
            FloatVector x0 = FloatVector.fromArray(F, x, xi), x1 = FloatVector.fromArray(F, x, xi + 16);
            FloatVector da = FloatVector.broadcast(F, Bytes.f16(w, at)), db = FloatVector.broadcast(F, Bytes.f16(w, bt));
            a0 = ((FloatVector) Vec.bytes(w, at + 2).convertShape(VectorOperators.B2F, F, 0)).mul(x0).fma(da, a0);
            a1 = ((FloatVector) Vec.bytes(w, at + 18).convertShape(VectorOperators.B2F, F, 0)).mul(x1).fma(da, a1);
            b0 = ((FloatVector) Vec.bytes(w, bt + 2).convertShape(VectorOperators.B2F, F, 0)).mul(x0).fma(db, b0);
            b1 = ((FloatVector) Vec.bytes(w, bt + 18).convertShape(VectorOperators.B2F, F, 0)).mul(x1).fma(db, b1);
        }
        out[ia] = a0.add(a1).reduceLanes(VectorOperators.ADD);
        out[ib] = b0.add(b1).reduceLanes(VectorOperators.ADD);
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
