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
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes) {
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
        acc0.add(acc1).intoArray(lanes, 0);
        return FloatLanes.sum(lanes, 0, Vec.L);
    }

    /** Four rows in one loop (see {@link RowKernel#dot4}); Σ q·x per block scaled by d once, as in dot. */
    @Override
    public void dot4(MemorySegment w, long off, long stride, int cols, float[] x, int xOff, float[] px,
                     float[] out, int o, int outStride, float[] lanes) {
        if (Vec.PARTS != 1) {  // written for 16 float lanes (one 16-byte group per vector)
            RowKernel.super.dot4(w, off, stride, cols, x, xOff, px, out, o, outStride, lanes);
            return;
        }
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long t0 = off + (long) b * BLOCK_BYTES, t1 = t0 + stride, t2 = t1 + stride, t3 = t2 + stride;
            int xi = xOff + 32 * b;
            FloatVector x0 = FloatVector.fromArray(F, x, xi), x1 = FloatVector.fromArray(F, x, xi + 16);
            float d0 = Bytes.f16(w, t0), d1 = Bytes.f16(w, t1), d2 = Bytes.f16(w, t2), d3 = Bytes.f16(w, t3);
            FloatVector s0 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B16, w, t0 + 2, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            FloatVector s1 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B16, w, t1 + 2, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            FloatVector s2 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B16, w, t2 + 2, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            FloatVector s3 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B16, w, t3 + 2, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s0 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B16, w, t0 + 18, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s0);
            s1 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B16, w, t1 + 18, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s1);
            s2 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B16, w, t2 + 18, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s2);
            s3 = ((FloatVector) ByteVector.fromMemorySegment(Vec.B16, w, t3 + 18, Vec.LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s3);
            a0 = s0.fma(FloatVector.broadcast(F, d0), a0);
            a1 = s1.fma(FloatVector.broadcast(F, d1), a1);
            a2 = s2.fma(FloatVector.broadcast(F, d2), a2);
            a3 = s3.fma(FloatVector.broadcast(F, d3), a3);
        }
        a0.intoArray(lanes, 0); a1.intoArray(lanes, Vec.L); a2.intoArray(lanes, 2 * Vec.L); a3.intoArray(lanes, 3 * Vec.L);
        FloatLanes.sums(lanes, 4, Vec.L, out, o, outStride);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at);
            Vec.store16(w, at + 2, 0, -1, d, 0, dst, dstOff + 32 * b);
            Vec.store16(w, at + 18, 0, -1, d, 0, dst, dstOff + 32 * b + 16);
        }
    }
}
