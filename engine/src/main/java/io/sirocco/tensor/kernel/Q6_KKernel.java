package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K rows (layout in {@link ScalarKernels#q6_K}): 210-byte super-blocks of 256 values. Decode reads a half (128
 * values) as three 32-byte loads of ql/qh and builds its four quarters of 6-bit values in byte lanes (see dot).
 */
final class Q6_KKernel implements RowKernel {
    static final Q6_KKernel INSTANCE = new Q6_KKernel();
    private static final int BLOCK_BYTES = 210;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;

    private Q6_KKernel() {}

    /*
     * A half (128 values) is four quarters j of 32 consecutive l (value l + 32j, scale sc[l/16 + 2j]): ql[0 ..32]
     * holds the low nibbles of quarters 0 (low) and 2 (high), ql[32 ..64] those of 1 and 3, and bits 2j of qh[0 ..32]
     * the top bits of quarter j. The 6-bit values are assembled in byte lanes (one op covers 32 values; x86 has no
     * byte shift, so shifts act on 16-bit lanes and the masks drop the bits that cross into the neighbouring byte)
     * and only then widened: widening first cost five int ops per 16 values. The −32 is a byte subtraction; the
     * scale multiplies the q·x products, so no per-value dequantization FMA remains. The body is written out: split
     * into helper methods it exceeds C2's inlining budget and the vectors get boxed. Swept twice (one pair of
     * quarters per sweep) it needed fewer nodes but ran 30 % slower from DRAM. KernelBench 256×5120 (L2-resident):
     * 0.16–0.21 → 0.125 ms. Two rows (dot2) alternate super-blocks in one loop (see sweep): 131072×5120 from DRAM,
     * best of 3, 85 → 79 ms; in the model (Q4_0 bench file, half of whose decode bytes are this Q6_K output, 5
     * interleaved rounds) median tg 4.39 → 4.33 t/s at 1 thread, 6.76 → 7.98 at 2.
     */
    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes) {
        float[] out = new float[1];  // scalar-replaced once sweep is inlined
        sweep(w, off, off, 1, cols, x, xOff, out, 0, 0, lanes);
        return out[0];
    }

    @Override
    public void dot2(MemorySegment w, long offA, long offB, int cols, float[] x, int xOff, float[] out, int ia, int ib, float[] lanes) {
        sweep(w, offA, offB, 2, cols, x, xOff, out, ia, ib, lanes);
    }

    /**
     * One row (rows = 1) or two (rows = 2, super-blocks of A and B alternating: two memory streams in flight). The
     * body exists once in the bytecode, inside the loop over the rows, so C2 parses it once within its node budget
     * (two copies written out would not fit) and unrolls the two-trip loop afterwards.
     */
    private static void sweep(MemorySegment w, long offA, long offB, int rows, int cols, float[] x, int xOff,
                              float[] out, int ia, int ib, float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;  // per row two chains of FMAs in flight
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            for (int r = 0; r < rows; r++) {
                long at = (r == 0 ? offA : offB) + (long) b * BLOCK_BYTES;
                FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
                // Scales (bytes 192..207) and d (208..209) through vector loads, not scalar segment reads: C2 inlines
                // those last, and in this large method it sometimes ran out of node budget first and left them as calls.
                LongVector scales = ByteVector.fromMemorySegment(Vec.B16, w, at + 192, Vec.LE).reinterpretAsLongs();
                float d = Float.float16ToFloat((short) (ByteVector.fromMemorySegment(Vec.B16, w, at + 194, Vec.LE).reinterpretAsLongs().lane(1) >>> 48));
                for (int half = 0; half < 2; half++) {
                    long ql = at + 64 * half;
                    long sc = scales.lane(half);  // the half's 8 scales
                    ShortVector l0 = ShortVector.fromMemorySegment(S16, w, ql, Vec.LE);
                    ShortVector l1 = ShortVector.fromMemorySegment(S16, w, ql + 32, Vec.LE);
                    ShortVector h = ShortVector.fromMemorySegment(S16, w, at + 128 + 32 * half, Vec.LE);
                    ByteVector q0 = l0.and((short) 0x0F0F).or(h.lanewise(VectorOperators.LSHL, 4).and((short) 0x3030)).reinterpretAsBytes().sub((byte) 32);
                    ByteVector q1 = l1.and((short) 0x0F0F).or(h.lanewise(VectorOperators.LSHL, 2).and((short) 0x3030)).reinterpretAsBytes().sub((byte) 32);
                    ByteVector q2 = l0.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F0F).or(h.and((short) 0x3030)).reinterpretAsBytes().sub((byte) 32);
                    ByteVector q3 = l1.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F0F).or(h.lanewise(VectorOperators.LSHR, 2).and((short) 0x3030)).reinterpretAsBytes().sub((byte) 32);
                    for (int p = 0; p < 32 / Vec.L; p++) {
                        int xi = xOff + 256 * b + 128 * half + p * Vec.L;
                        long s = sc >> 8 * (p * Vec.L / 16);  // scale sc[g + 2j] is byte g + 2j
                        float s0 = d * (byte) s, s1 = d * (byte) (s >> 16), s2 = d * (byte) (s >> 32), s3 = d * (byte) (s >> 48);
                        acc0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).mul(s0).fma(FloatVector.fromArray(F, x, xi), acc0);
                        acc1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(s1).fma(FloatVector.fromArray(F, x, xi + 32), acc1);
                        acc0 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).mul(s2).fma(FloatVector.fromArray(F, x, xi + 64), acc0);
                        acc1 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).mul(s3).fma(FloatVector.fromArray(F, x, xi + 96), acc1);
                    }
                }
                if (r == 0) { a0 = a0.add(acc0); a1 = a1.add(acc1); }
                else { b0 = b0.add(acc0); b1 = b1.add(acc1); }
            }
        }
        a0.add(a1).intoArray(lanes, 0);
        out[ia] = FloatLanes.sum(lanes, 0, Vec.L);
        if (rows == 2) {
            b0.add(b1).intoArray(lanes, 0);
            out[ib] = FloatLanes.sum(lanes, 0, Vec.L);
        }
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
                        Vec.store16(w, ql + 16 * g + 32 * (j & 1), 4 * (j >> 1), qh + 16 * g, 2 * j, 3,
                                s, -32 * s, dst, base + 16 * g + 32 * j);
                    }
                }
            }
        }
    }
}
