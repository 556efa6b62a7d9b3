package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Q4_K rows (layout in {@link ScalarKernels#q4_K}): 144-byte super-blocks of 256 values, eight scaled sub-blocks. */
final class Q4_KKernel implements RowKernel {
    static final Q4_KKernel INSTANCE = new Q4_KKernel();
    private static final int BLOCK_BYTES = 144;

    private Q4_KKernel() {}

    // Chunk k (64 values) is the 32 bytes at 16 + 32k: low nibbles are sub-block 2k, high nibbles sub-block 2k+1.
    // Each 16-byte load is widened (zero-extended) once and feeds both sub-blocks. The eight scales and mins are
    // unpacked once per super-block ({@link #subBlockScales}); extracting them per chunk with branches made this loop 1.6×
    // slower on an L2-resident matrix, and per chunk from the packed longs with scalar shifts 16 % slower than the
    // vector widening into a small array (KernelBench 256×5120: 0.126 → 0.108 ms). Two FMA chains in flight.
    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes) {
        float[] so = new float[16];  // per super-block: (scale, offset) × 8 sub-blocks
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            subBlockScales(w, at, so, 0);
            for (int k = 0; k < 4; k++) {
                float s0 = so[2 * k], s1 = so[2 * k + 1], o0 = so[8 + 2 * k], o1 = so[9 + 2 * k];
                long q = at + 16 + 32 * k;
                int xi = xOff + 256 * b + 64 * k;
                for (int half = 0; half < 2; half++) {
                    ByteVector qb = ByteVector.fromMemorySegment(Vec.B16, w, q + 16 * half, Vec.LE);
                    // Vector calls written out (not through Vec helpers): fewer inlining levels for C2 in this hot loop.
                    for (int p = 0; p < Vec.PARTS; p++) {
                        IntVector v = (IntVector) qb.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p);
                        int xj = xi + 16 * half + p * Vec.L;
                        FloatVector lo = ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(s0, o0);
                        FloatVector hi = ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(s1, o1);
                        acc0 = lo.fma(FloatVector.fromArray(F, x, xj), acc0);
                        acc1 = hi.fma(FloatVector.fromArray(F, x, xj + 32), acc1);
                    }
                }
            }
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return FloatLanes.sum(lanes, 0, Vec.L);
    }

    /** Two rows in one loop: two memory streams in flight per thread (see {@link RowKernel#dot2}); the body of dot per row. */
    @Override
    public void dot2(MemorySegment w, long offA, long offB, int cols, float[] x, int xOff, float[] out, int ia, int ib, float[] lanes) {
        float[] so = new float[32];  // per super-block, rows A then B: (scale, offset) × 8 sub-blocks
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = offA + (long) b * BLOCK_BYTES, bt = offB + (long) b * BLOCK_BYTES;
            subBlockScales(w, at, so, 0);
            subBlockScales(w, bt, so, 16);
            for (int k = 0; k < 4; k++) {
                float sa0 = so[2 * k], sa1 = so[2 * k + 1], oa0 = so[8 + 2 * k], oa1 = so[9 + 2 * k];
                float sb0 = so[16 + 2 * k], sb1 = so[17 + 2 * k], ob0 = so[24 + 2 * k], ob1 = so[25 + 2 * k];
                int xi = xOff + 256 * b + 64 * k;
                for (int half = 0; half < 2; half++) {
                    ByteVector qa = ByteVector.fromMemorySegment(Vec.B16, w, at + 16 + 32 * k + 16 * half, Vec.LE);
                    ByteVector qb = ByteVector.fromMemorySegment(Vec.B16, w, bt + 16 + 32 * k + 16 * half, Vec.LE);
                    for (int p = 0; p < Vec.PARTS; p++) {
                        IntVector va = (IntVector) qa.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p);
                        IntVector vb = (IntVector) qb.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p);
                        int xj = xi + 16 * half + p * Vec.L;
                        FloatVector x0 = FloatVector.fromArray(F, x, xj), x1 = FloatVector.fromArray(F, x, xj + 32);
                        a0 = ((FloatVector) va.and(0xF).convert(VectorOperators.I2F, 0)).fma(sa0, oa0).fma(x0, a0);
                        a1 = ((FloatVector) va.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(sa1, oa1).fma(x1, a1);
                        b0 = ((FloatVector) vb.and(0xF).convert(VectorOperators.I2F, 0)).fma(sb0, ob0).fma(x0, b0);
                        b1 = ((FloatVector) vb.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0)).fma(sb1, ob1).fma(x1, b1);
                    }
                }
            }
        }
        a0.add(a1).intoArray(lanes, 0);
        out[ia] = FloatLanes.sum(lanes, 0, Vec.L);
        b0.add(b1).intoArray(lanes, 0);
        out[ib] = FloatLanes.sum(lanes, 0, Vec.L);
    }

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Long> L2 = LongVector.SPECIES_128;

    /**
     * so[to + j] = d·sc[j] and so[to + 8 + j] = −dmin·m[j], the effective scale and offset of sub-block j of the
     * (Q4_K or Q5_K) super-block at {@code at}: its 16-byte header read by one vector load, the 6-bit scales and mins
     * unpacked in two longs, widened to floats by vector ops.
     */
    static void subBlockScales(MemorySegment w, long at, float[] so, int to) {
        LongVector h = ByteVector.fromMemorySegment(Vec.B16, w, at, Vec.LE).reinterpretAsLongs();
        long l0 = h.lane(0), l1 = h.lane(1);
        float d = Float.float16ToFloat((short) l0), dmin = Float.float16ToFloat((short) (l0 >>> 16));
        long sc = l0 >>> 32 | l1 << 32;
        int sc8 = (int) (l1 >>> 32);
        ByteVector bytes = LongVector.broadcast(L2, scales(sc, sc8)).withLane(1, mins(sc, sc8)).reinterpretAsBytes();
        ((FloatVector) bytes.convertShape(VectorOperators.B2F, F8, 0)).mul(d).intoArray(so, to);
        ((FloatVector) bytes.convertShape(VectorOperators.B2F, F8, 1)).mul(-dmin).intoArray(so, to + 8);
    }

    /**
     * The eight 6-bit sub-block scales as the bytes of a long, from the 12 scale bytes held as bytes 0-7 in {@code sc}
     * and 8-11 in {@code sc8}: branch-free, once per super-block (per-sub-block extraction with branches inside the
     * chunk loop made this kernel 2× slower than Q4_0's).
     */
    static long scales(long sc, int sc8) {
        int high = sc8 & 0x0F0F0F0F | (int) ((sc & 0xC0C0C0C0L) >>> 2);
        return sc & 0x3F3F3F3FL | (long) high << 32;
    }

    /** The eight 6-bit sub-block mins likewise. */
    static long mins(long sc, int sc8) {
        long upper = sc >>> 32;
        int high = sc8 >>> 4 & 0x0F0F0F0F | (int) ((upper & 0xC0C0C0C0L) >>> 2);
        return upper & 0x3F3F3F3FL | (long) high << 32;
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        float[] so = new float[16];  // (scale, offset) × 8 sub-blocks
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            subBlockScales(w, at, so, 0);
            // Written out rather than through Vec.store16: C2 left that call un-inlined here ("callee is too large")
            // and the vectors inside it were boxed, 128 MB allocated per 4096×5120 token-panel matmul (42 against
            // 31 ms), even with store16 loading its own bytes (re-measured in review).
            for (int j = 0; j < 8; j++) {
                long q = at + 16 + 32 * (j >> 1);
                int di = dstOff + 256 * b + 32 * j, shift = 4 * (j & 1);
                float scale = so[j], offset = so[8 + j];
                for (int h = 0; h < 2; h++) {
                    ByteVector v = ByteVector.fromMemorySegment(Vec.B16, w, q + 16 * h, Vec.LE);
                    for (int p = 0; p < Vec.PARTS; p++)
                        ((FloatVector) ((IntVector) v.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p))
                                .lanewise(VectorOperators.LSHR, shift).and(0xF).convert(VectorOperators.I2F, 0))
                                .fma(scale, offset).intoArray(dst, di + 16 * h + p * Vec.L);
                }
            }
        }
    }
}
