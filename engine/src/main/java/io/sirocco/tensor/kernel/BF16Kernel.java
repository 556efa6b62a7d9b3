package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** BF16 rows: the high 16 bits of F32 values, widened by a shift. */
final class BF16Kernel implements RowKernel {
    static final BF16Kernel INSTANCE = new BF16Kernel();

    private BF16Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L)
            acc = Vec.bfloats(w, off + 2L * c).fma(FloatVector.fromArray(F, x, xOff + c), acc);
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) sum += Bytes.bf16(w, off + 2L * c) * x[xOff + c];
        return sum;
    }

    /**
     * x[xOff ..] with each group of 2L values split into its L even-indexed then its L odd-indexed values, for
     * {@link #dotPairs}; {@code cols} must be a multiple of 2L.
     */
    static float[] deinterleave(float[] x, int xOff, int cols) {
        float[] xd = new float[cols];
        for (int c = 0; c < cols; c += 2 * L)
            for (int j = 0; j < L; j++) {
                xd[c + j] = x[xOff + c + 2 * j];
                xd[c + L + j] = x[xOff + c + 2 * j + 1];
            }
        return xd;
    }

    /**
     * Σ w·x with x from {@link #deinterleave}: one load of L ints holds 2L bf16 values; the even ones are the ints
     * shifted left by 16, the odd ones the ints with the low half cleared. No widening conversion, half the loads of
     * {@link #dot} (≈ 20 % faster at decode).
     */
    float dotPairs(MemorySegment w, long off, int cols, float[] xd) {
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int c = 0; c < cols; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(Vec.I, w, off + 2L * c, Vec.LE);
            even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xd, c), even);
            odd = v.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xd, c + L), odd);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    /**
     * out[outOff + r] = row r · x for r in [r0, r1), over a copy in column slabs ({@link InterleavedRows}, BF16), with
     * xd from {@link #deinterleave}: per slab its 256 activations sit in 16 registers while every row's 512 bytes
     * stream past. Written out for L = 16 (AVX-512), the only width the slab copy is made for: 16 named vectors,
     * since in an array or passed to a helper C2 boxes them.
     */
    static void slabs(InterleavedRows p, float[] xd, float[] out, int outOff, int r0, int r1) {
        MemorySegment w = p.data;
        for (int s = 0, n = p.cols / InterleavedRows.SLAB; s < n; s++) {
            int x = s * InterleavedRows.SLAB;
            FloatVector e0 = FloatVector.fromArray(F, xd, x + 0), o0 = FloatVector.fromArray(F, xd, x + 16);
            FloatVector e1 = FloatVector.fromArray(F, xd, x + 32), o1 = FloatVector.fromArray(F, xd, x + 48);
            FloatVector e2 = FloatVector.fromArray(F, xd, x + 64), o2 = FloatVector.fromArray(F, xd, x + 80);
            FloatVector e3 = FloatVector.fromArray(F, xd, x + 96), o3 = FloatVector.fromArray(F, xd, x + 112);
            FloatVector e4 = FloatVector.fromArray(F, xd, x + 128), o4 = FloatVector.fromArray(F, xd, x + 144);
            FloatVector e5 = FloatVector.fromArray(F, xd, x + 160), o5 = FloatVector.fromArray(F, xd, x + 176);
            FloatVector e6 = FloatVector.fromArray(F, xd, x + 192), o6 = FloatVector.fromArray(F, xd, x + 208);
            FloatVector e7 = FloatVector.fromArray(F, xd, x + 224), o7 = FloatVector.fromArray(F, xd, x + 240);
            long at = s * p.slabBytes() + 2L * InterleavedRows.SLAB * r0;
            for (int r = r0; r < r1; r++, at += 2 * InterleavedRows.SLAB) {
                IntVector v0 = IntVector.fromMemorySegment(Vec.I, w, at + 0, Vec.LE);
                IntVector v1 = IntVector.fromMemorySegment(Vec.I, w, at + 64, Vec.LE);
                IntVector v2 = IntVector.fromMemorySegment(Vec.I, w, at + 128, Vec.LE);
                IntVector v3 = IntVector.fromMemorySegment(Vec.I, w, at + 192, Vec.LE);
                IntVector v4 = IntVector.fromMemorySegment(Vec.I, w, at + 256, Vec.LE);
                IntVector v5 = IntVector.fromMemorySegment(Vec.I, w, at + 320, Vec.LE);
                IntVector v6 = IntVector.fromMemorySegment(Vec.I, w, at + 384, Vec.LE);
                IntVector v7 = IntVector.fromMemorySegment(Vec.I, w, at + 448, Vec.LE);
                FloatVector a = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().mul(e0);
                FloatVector b = v0.and(0xFFFF0000).reinterpretAsFloats().mul(o0);
                a = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(e1, a);
                b = v1.and(0xFFFF0000).reinterpretAsFloats().fma(o1, b);
                a = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(e2, a);
                b = v2.and(0xFFFF0000).reinterpretAsFloats().fma(o2, b);
                a = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(e3, a);
                b = v3.and(0xFFFF0000).reinterpretAsFloats().fma(o3, b);
                a = v4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(e4, a);
                b = v4.and(0xFFFF0000).reinterpretAsFloats().fma(o4, b);
                a = v5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(e5, a);
                b = v5.and(0xFFFF0000).reinterpretAsFloats().fma(o5, b);
                a = v6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(e6, a);
                b = v6.and(0xFFFF0000).reinterpretAsFloats().fma(o6, b);
                a = v7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(e7, a);
                b = v7.and(0xFFFF0000).reinterpretAsFloats().fma(o7, b);
                a = a.add(b);  // FloatLanes.sum written out: as a call from this large method it would not be inlined
                a = a.add(a.rearrange(FloatLanes.W8));
                a = a.add(a.rearrange(FloatLanes.W4));
                a = a.add(a.rearrange(FloatLanes.W2));
                float dot = a.add(a.rearrange(FloatLanes.W1)).lane(0);
                out[outOff + r] = s == 0 ? dot : out[outOff + r] + dot;
            }
        }
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) Vec.bfloats(w, off + 2L * c).intoArray(dst, dstOff + c);
        for (; c < cols; c++) dst[dstOff + c] = Bytes.bf16(w, off + 2L * c);
    }
}
