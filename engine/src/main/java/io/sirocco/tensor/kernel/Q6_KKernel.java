package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K rows (layout in {@link ScalarKernels#q6_K}): 210-byte super-blocks of 256 values. Each 16-byte load of ql/qh
 * covers 16 consecutive l of one half, which share one scale per output quarter.
 */
final class Q6_KKernel implements RowKernel {
    static final Q6_KKernel INSTANCE = new Q6_KKernel();
    private static final int BLOCK_BYTES = 210;

    private Q6_KKernel() {}

    /** Signed 6-bit values (stored − 32): a nibble of {@code ql} with two bits of {@code qh} on top. */
    private static ByteVector sixBits(ByteVector ql, boolean high, ByteVector qh, int shift) {
        ByteVector nibble = high ? Vec.bits(ql, 4, 0xF) : ql.and((byte) 0xF);
        return nibble.or(Vec.bits(qh, shift, 3).lanewise(VectorOperators.LSHL, 4)).sub((byte) 32);
    }

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at + 208);
            for (int half = 0; half < 2; half++) {
                long ql = at + 64 * half, qh = at + 128 + 32 * half, sc = at + 192 + 8 * half;
                int base = xOff + 256 * b + 128 * half;
                for (int g = 0; g < 2; g++) {
                    ByteVector lo = Vec.bytes(w, ql + 16 * g), hi = Vec.bytes(w, ql + 32 + 16 * g);
                    ByteVector h = Vec.bytes(w, qh + 16 * g);
                    int xi = base + 16 * g;
                    acc = Vec.dot16(sixBits(lo, false, h, 0), d * Bytes.i8(w, sc + g), 0, x, xi, acc);
                    acc = Vec.dot16(sixBits(hi, false, h, 2), d * Bytes.i8(w, sc + g + 2), 0, x, xi + 32, acc);
                    acc = Vec.dot16(sixBits(lo, true, h, 4), d * Bytes.i8(w, sc + g + 4), 0, x, xi + 64, acc);
                    acc = Vec.dot16(sixBits(hi, true, h, 6), d * Bytes.i8(w, sc + g + 6), 0, x, xi + 96, acc);
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
                for (int g = 0; g < 2; g++) {
                    ByteVector lo = Vec.bytes(w, ql + 16 * g), hi = Vec.bytes(w, ql + 32 + 16 * g);
                    ByteVector h = Vec.bytes(w, qh + 16 * g);
                    int di = base + 16 * g;
                    Vec.store16(sixBits(lo, false, h, 0), d * Bytes.i8(w, sc + g), 0, dst, di);
                    Vec.store16(sixBits(hi, false, h, 2), d * Bytes.i8(w, sc + g + 2), 0, dst, di + 32);
                    Vec.store16(sixBits(lo, true, h, 4), d * Bytes.i8(w, sc + g + 4), 0, dst, di + 64);
                    Vec.store16(sixBits(hi, true, h, 6), d * Bytes.i8(w, sc + g + 6), 0, dst, di + 96);
                }
            }
        }
    }
}
