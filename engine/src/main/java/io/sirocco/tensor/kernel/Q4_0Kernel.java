package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** Q4_0 rows (layout in {@link ScalarKernels#q4_0}): 18-byte blocks of half d + 16 bytes of nibbles. */
final class Q4_0Kernel implements RowKernel {
    static final Q4_0Kernel INSTANCE = new Q4_0Kernel();
    private static final int BLOCK_BYTES = 18;

    private Q4_0Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;  // low and high nibbles: two chains of FMAs in flight
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at), o = -8 * d;  // (nibble - 8)·d = nibble·d - 8d
            ByteVector q = Vec.bytes(w, at + 2);
            int xi = xOff + 32 * b;
            // Vector calls written out (not through Vec helpers): fewer inlining levels for C2 in this hot loop.
            for (int p = 0; p < Vec.PARTS; p++) {
                // Zero-extended bytes: the high nibble is a plain shift, no mask (≈ 10 % faster than sign-extend + mask).
                IntVector v = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p);
                FloatVector lo = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(d, o);
                FloatVector hi = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(d, o);
                acc0 = lo.fma(FloatVector.fromArray(F, x, xi + p * Vec.L), acc0);
                acc1 = hi.fma(FloatVector.fromArray(F, x, xi + 16 + p * Vec.L), acc1);
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** Two rows in one loop: two memory streams in flight per thread (see {@link RowKernel#dot2}). */
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
            float da = Bytes.f16(w, at), db = Bytes.f16(w, bt);
            IntVector va = (IntVector) Vec.bytes(w, at + 2).convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
            IntVector vb = (IntVector) Vec.bytes(w, bt + 2).convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0);
            a0 = ((FloatVector) va.and(0xF).convert(VectorOperators.I2F, 0)).fma(da, -8 * da).fma(x0, a0);
            a1 = ((FloatVector) va.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(da, -8 * da).fma(x1, a1);
            b0 = ((FloatVector) vb.and(0xF).convert(VectorOperators.I2F, 0)).fma(db, -8 * db).fma(x0, b0);
            b1 = ((FloatVector) vb.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(db, -8 * db).fma(x1, b1);
        }
        out[ia] = a0.add(a1).reduceLanes(VectorOperators.ADD);
        out[ib] = b0.add(b1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at);
            ByteVector q = Vec.bytes(w, at + 2);
            Vec.store16(q, 0, 0xF, d, -8 * d, dst, dstOff + 32 * b);
            Vec.store16(q, 4, 0xF, d, -8 * d, dst, dstOff + 32 * b + 16);
        }
    }
}
