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
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L)
            acc = Vec.bfloats(w, off + 2L * c).fma(FloatVector.fromArray(F, x, xOff + c), acc);
        acc.intoArray(lanes, 0);
        float sum = FloatLanes.sum(lanes, 0, Vec.L);
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
    float dotPairs(MemorySegment w, long off, int cols, float[] xd, float[] lanes) {
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int c = 0; c < cols; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(Vec.I, w, off + 2L * c, Vec.LE);
            even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xd, c), even);
            odd = v.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xd, c + L), odd);
        }
        even.add(odd).intoArray(lanes, 0);
        return FloatLanes.sum(lanes, 0, Vec.L);
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

    /**
     * Most tokens {@link #slabsBatch} takes in one pass. It is compute-bound from two tokens on (≈ 8 ms per token on
     * 32768×5120 against 12 for one alone), so larger batches gain nothing; from 8 tokens on the small-batch float
     * path is faster (KernelBench, one thread: n = 4 32 ms, 7 62 ms, against 50 and 86 ms before this path; n = 8 75
     * against 62).
     */
    static final int BATCH = 4;

    /**
     * As {@link #slabs} for t &lt; n tokens (n ≤ {@link #BATCH}) in one pass over the copy: each row's 512 bytes are
     * widened once into 16 registers, and each token's activations come from L1 (1 KiB per token and slab).
     * out[outOff + t·outStride + r]; xd[t] from {@link #deinterleave}. The same operations in the same order as
     * {@link #slabs}, so the same bits; the rows are read once where n passes of {@link #slabs} read them n times.
     */
    static void slabsBatch(InterleavedRows p, float[][] xd, int n, float[] out, int outOff, int outStride, int r0, int r1) {
        MemorySegment w = p.data;
        for (int s = 0, slabs = p.cols / InterleavedRows.SLAB; s < slabs; s++) {
            int x = s * InterleavedRows.SLAB;
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
                FloatVector e0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), o0 = v0.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector e1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), o1 = v1.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector e2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), o2 = v2.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector e3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), o3 = v3.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector e4 = v4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), o4 = v4.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector e5 = v5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), o5 = v5.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector e6 = v6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), o6 = v6.and(0xFFFF0000).reinterpretAsFloats();
                FloatVector e7 = v7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), o7 = v7.and(0xFFFF0000).reinterpretAsFloats();
                // Two tokens per step: their eight dependent chains (the FMAs, then the lane tree) overlap; one token at a
                // time the core waited on each chain's latency (3× slower at n = 8). With n odd the last step repeats
                // its token and keeps one result.
                for (int t = 0; t < n; t += 2) {
                    float[] xt = xd[t], xu = xd[Math.min(t + 1, n - 1)];
                    FloatVector a = e0.mul(FloatVector.fromArray(F, xt, x + 0)), au = e0.mul(FloatVector.fromArray(F, xu, x + 0));
                    FloatVector b = o0.mul(FloatVector.fromArray(F, xt, x + 16)), bu = o0.mul(FloatVector.fromArray(F, xu, x + 16));
                    a = e1.fma(FloatVector.fromArray(F, xt, x + 32), a); au = e1.fma(FloatVector.fromArray(F, xu, x + 32), au);
                    b = o1.fma(FloatVector.fromArray(F, xt, x + 48), b); bu = o1.fma(FloatVector.fromArray(F, xu, x + 48), bu);
                    a = e2.fma(FloatVector.fromArray(F, xt, x + 64), a); au = e2.fma(FloatVector.fromArray(F, xu, x + 64), au);
                    b = o2.fma(FloatVector.fromArray(F, xt, x + 80), b); bu = o2.fma(FloatVector.fromArray(F, xu, x + 80), bu);
                    a = e3.fma(FloatVector.fromArray(F, xt, x + 96), a); au = e3.fma(FloatVector.fromArray(F, xu, x + 96), au);
                    b = o3.fma(FloatVector.fromArray(F, xt, x + 112), b); bu = o3.fma(FloatVector.fromArray(F, xu, x + 112), bu);
                    a = e4.fma(FloatVector.fromArray(F, xt, x + 128), a); au = e4.fma(FloatVector.fromArray(F, xu, x + 128), au);
                    b = o4.fma(FloatVector.fromArray(F, xt, x + 144), b); bu = o4.fma(FloatVector.fromArray(F, xu, x + 144), bu);
                    a = e5.fma(FloatVector.fromArray(F, xt, x + 160), a); au = e5.fma(FloatVector.fromArray(F, xu, x + 160), au);
                    b = o5.fma(FloatVector.fromArray(F, xt, x + 176), b); bu = o5.fma(FloatVector.fromArray(F, xu, x + 176), bu);
                    a = e6.fma(FloatVector.fromArray(F, xt, x + 192), a); au = e6.fma(FloatVector.fromArray(F, xu, x + 192), au);
                    b = o6.fma(FloatVector.fromArray(F, xt, x + 208), b); bu = o6.fma(FloatVector.fromArray(F, xu, x + 208), bu);
                    a = e7.fma(FloatVector.fromArray(F, xt, x + 224), a); au = e7.fma(FloatVector.fromArray(F, xu, x + 224), au);
                    b = o7.fma(FloatVector.fromArray(F, xt, x + 240), b); bu = o7.fma(FloatVector.fromArray(F, xu, x + 240), bu);
                    a = a.add(b);  // FloatLanes.sum written out, as in slabs
                    au = au.add(bu);
                    a = a.add(a.rearrange(FloatLanes.W8)); au = au.add(au.rearrange(FloatLanes.W8));
                    a = a.add(a.rearrange(FloatLanes.W4)); au = au.add(au.rearrange(FloatLanes.W4));
                    a = a.add(a.rearrange(FloatLanes.W2)); au = au.add(au.rearrange(FloatLanes.W2));
                    float dot = a.add(a.rearrange(FloatLanes.W1)).lane(0), dotU = au.add(au.rearrange(FloatLanes.W1)).lane(0);
                    int o = outOff + t * outStride + r;
                    out[o] = s == 0 ? dot : out[o] + dot;
                    if (t + 1 < n) out[o + outStride] = s == 0 ? dotU : out[o + outStride] + dotU;
                }
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
