package io.sirocco.tensor.kernel;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prefill matmul for 4-bit weights (Q4_0, Q4_K) with the activations quantized to int8 per 32 values, as llama.cpp
 * does for every quantized type. Products of (q − 8) ∈ [−8, 7] and x8 ∈ [−127, 127] are summed in 16-bit lanes over a
 * 32-column block (|sum| ≤ 32 512, so the integer sums are exact) and widened to float once per block: a 16-bit
 * multiply and add handle twice the lanes of a float FMA, ≈ 1.5× the FMA peak of {@link PanelMatmul}.
 *
 * <p>The only rounding beyond f32 is the activations' (8 bits, one scale per token and 32 values); the block sums of
 * x that Q4_K's offsets multiply are kept exact. Layout as {@link PanelMatmul}: token panels (cols, P) with
 * P = 2·S or S tokens (S = 16-bit lanes per vector), five weight rows per micro-kernel call.
 */
final class Int8PanelMatmul {
    private Int8PanelMatmul() {}

    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, Vec.F.vectorShape());
    private static final VectorSpecies<Short> S16 = VectorSpecies.of(short.class, VectorShape.S_256_BIT);
    /** Half of S: L 16-bit lanes, one float vector's worth. */
    private static final VectorSpecies<Short> HALF = VectorSpecies.of(short.class, VectorShape.forBitSize(16 * Vec.L));
    private static final int LS = S.length(), L = Vec.L;
    private static final int ROWS = 5;
    private static final int P2 = 2 * LS, P1 = LS;
    /** 32-column blocks per column chunk: a chunk of a 2·LS-token panel takes 64 KiB on AVX-512. */
    private static final int KB = 16;

    /** Weight types this path handles (4-bit values with one scale, and for Q4_K an offset, per 32). */
    static boolean supports(GgmlType type) {
        return (type == GgmlType.Q4_0 || type == GgmlType.Q4_K) && LS == 2 * L;
    }

    static void run(GgmlType type, MemorySegment data, long rowBytes, int rows, int cols,
                    float[] x, int xOff, int n, float[] out, int outOff, WorkerPool pool) {
        int nb = cols / 32;
        TokenPanels panels = TokenPanels.plan(n, P2, P1);  // at most P1 - 1 padding tokens
        int[] start = panels.start(), width = panels.width();
        int count = panels.count();
        short[][] xq = new short[count][];  // per panel (cols, width): int8 activations widened to 16 bits
        float[][] dx = new float[count][];  // per panel (nb, width): the activation scale of each token and block
        float[][] xs = new float[count][];  // per panel (nb, width): Σ x over each token's block (Q4_K offsets)
        pool.parallelForRange(count, 1, (p0, p1) -> {  // panels are independent: quantize them in parallel
            for (int p = p0; p < p1; p++) {
                int wd = width[p];
                xq[p] = new short[cols * wd];
                dx[p] = new float[nb * wd];
                xs[p] = new float[nb * wd];
                for (int j = 0, valid = panels.valid(p, n); j < valid; j++)
                    quantize(x, xOff + (start[p] + j) * cols, nb, wd, j, xq[p], dx[p], xs[p]);
            }
        });
        boolean offsets = type == GgmlType.Q4_K;
        int block = PanelMatmul.rowBlock(cols);
        pool.parallelForRange((rows + block - 1) / block, 1, (b0, b1) -> {
            short[] wq = new short[block * cols];   // (block, cols) weight values q − 8
            float[] sc = new float[block * nb];     // (block, nb) their scales
            float[] off = new float[block * nb];    // (block, nb) Q4_K: the value of q = 8 (scale·8 + offset)
            float[] acc = new float[block * P2];    // (block, width) float sums of one panel
            short[] sums = new short[ROWS * P2];    // (5, width) integer sums of one 32-column block
            float[] subScales = new float[16];  // (scale, offset) × 8 sub-blocks of one Q4_K super-block
            for (int b = b0; b < b1; b++) {
                int r0 = b * block, nr = Math.min(block, rows - r0);
                for (int i = 0; i < nr; i++) {
                    long at = (long) (r0 + i) * rowBytes;
                    if (type == GgmlType.Q4_0) decodeQ4_0(data, at, nb, wq, i * cols, sc, i * nb);
                    else decodeQ4_K(data, at, nb, wq, i * cols, sc, off, i * nb, subScales);
                }
                if (nr % ROWS != 0) {  // rows past the matrix: zero weights, results dropped
                    int pad = nr + ROWS - nr % ROWS;
                    java.util.Arrays.fill(wq, nr * cols, pad * cols, (short) 0);
                    java.util.Arrays.fill(sc, nr * nb, pad * nb, 0f);
                    java.util.Arrays.fill(off, nr * nb, pad * nb, 0f);
                }
                int groups = (nr + ROWS - 1) / ROWS;
                for (int p = 0; p < count; p++) {
                    int wd = width[p];
                    java.util.Arrays.fill(acc, 0, groups * ROWS * wd, 0f);
                    // Column chunks: the panel's chunk stays in L2 while every row group of the block uses it.
                    for (int k0 = 0; k0 < nb; k0 += KB) {
                        int k1 = Math.min(nb, k0 + KB);
                        for (int g = 0; g < groups; g++) {
                            int i = g * ROWS;
                            if (wd == P2) rows5x2(wq, i * cols, cols, sc, i * nb, xq[p], dx[p], sums, acc, i * wd, k0, k1);
                            else rows5x1(wq, i * cols, cols, sc, i * nb, xq[p], dx[p], sums, acc, i * wd, k0, k1);
                        }
                    }
                    // Q4_K's offsets: acc += off (5, nb) · xs (nb, width), a float matmul 1/32 the size, tiled in
                    // registers rather than one more load and FMA per flushed vector.
                    for (int g = 0; offsets && g < groups; g++) {
                        int i = g * ROWS;
                        if (wd == P2) PanelMatmul.rows5x4(off, i * nb, nb, xs[p], 0, 0, nb, acc, i * wd);
                        else PanelMatmul.rows5x2(off, i * nb, nb, xs[p], 0, 0, nb, acc, i * wd);
                    }
                    panels.scatter(p, n, acc, nr, out, outOff + start[p] * rows + r0, rows);
                }
            }
        });
    }

    /**
     * Token j of a panel: per 32 values d = max|x| / 127 and q = round(x / d) (halves away from zero), written
     * column-major into xq; d and Σx per block.
     */
    static void quantize(float[] x, int from, int nb, int wd, int j, short[] xq, float[] dx, float[] xs) {
        int[] q = new int[32];
        for (int b = 0; b < nb; b++) {
            int base = from + 32 * b;
            FloatVector amax = FloatVector.zero(Vec.F), sum = amax;
            for (int i = 0; i < 32; i += L) {
                FloatVector v = FloatVector.fromArray(Vec.F, x, base + i);
                amax = amax.max(v.abs());
                sum = sum.add(v);
            }
            float m = amax.reduceLanes(VectorOperators.MAX), id = m == 0 ? 0 : 127f / m;
            for (int i = 0; i < 32; i += L) {
                FloatVector v = FloatVector.fromArray(Vec.F, x, base + i).mul(id);
                // + 0.5 with the value's sign, then truncation: rounds halves away from zero, like C's roundf.
                v = v.add(FloatVector.broadcast(Vec.F, 0.5f).blend(-0.5f, v.lt(0f)));
                ((IntVector) v.convert(VectorOperators.F2I, 0)).intoArray(q, i);
            }
            for (int i = 0; i < 32; i++) xq[(32 * b + i) * wd + j] = (short) q[i];
            dx[b * wd + j] = m / 127f;
            xs[b * wd + j] = FloatLanes.sum(sum);
        }
    }

    /** A Q4_0 row: q − 8 per value, d per block of 32. */
    static void decodeQ4_0(MemorySegment w, long off, int nb, short[] wq, int wo, float[] sc, int so) {
        for (int b = 0; b < nb; b++) {
            long at = off + 18L * b;
            sc[so + b] = Bytes.f16(w, at);
            ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Vec.B16, w, at + 2, Vec.LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
            v.and((short) 0xF).sub((short) 8).intoArray(wq, wo + 32 * b);
            v.lanewise(VectorOperators.LSHR, 4).sub((short) 8).intoArray(wq, wo + 32 * b + 16);
        }
    }

    /** A Q4_K row: q − 8 per value; per sub-block of 32 its scale d·sc and the value of q = 8, 8·d·sc − dmin·m. */
    static void decodeQ4_K(MemorySegment w, long off, int nb, short[] wq, int wo, float[] sc, float[] offs, int so,
                           float[] subScales) {
        for (int sb = 0; sb < nb / 8; sb++) {
            long at = off + 144L * sb;
            Q4_KKernel.subBlockScales(w, at, subScales, 0);
            for (int k = 0; k < 4; k++) {  // 32 bytes: low nibbles sub-block 2k, high nibbles 2k + 1
                for (int half = 0; half < 2; half++) {
                    ShortVector v = (ShortVector) ByteVector.fromMemorySegment(Vec.B16, w, at + 16 + 32 * k + 16 * half, Vec.LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S16, 0);
                    int c = wo + 256 * sb + 64 * k + 16 * half;
                    v.and((short) 0xF).sub((short) 8).intoArray(wq, c);
                    v.lanewise(VectorOperators.LSHR, 4).sub((short) 8).intoArray(wq, c + 32);
                }
            }
            for (int j = 0; j < 8; j++) {
                sc[so + 8 * sb + j] = subScales[j];
                offs[so + 8 * sb + j] = 8 * subScales[j] + subScales[8 + j];
            }
        }
    }

    /**
     * acc (5, 2·LS) at ao += w rows [wo, wo + 5·cols) · panel (cols, 2·LS) over the 32-column blocks [b0, b1): per
     * block the 16-bit sums of q·x8, then {@link #flush}.
     */
    private static void rows5x2(short[] w, int wo, int cols, float[] sc, int so, short[] xq, float[] dx, short[] sums, float[] acc, int ao,
                                int b0, int b1) {
        int w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols, w4 = w3 + cols, nb = cols / 32;
        for (int b = b0; b < b1; b++) {
            ShortVector z = ShortVector.zero(S);
            ShortVector s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z, s30 = z, s31 = z, s40 = z, s41 = z;
            for (int c = 32 * b, xc = c * P2, end = c + 32; c < end; c++, xc += P2) {
                ShortVector x0 = ShortVector.fromArray(S, xq, xc), x1 = ShortVector.fromArray(S, xq, xc + LS);
                ShortVector u = ShortVector.broadcast(S, w[wo + c]); s00 = u.mul(x0).add(s00); s01 = u.mul(x1).add(s01);
                u = ShortVector.broadcast(S, w[w1 + c]); s10 = u.mul(x0).add(s10); s11 = u.mul(x1).add(s11);
                u = ShortVector.broadcast(S, w[w2 + c]); s20 = u.mul(x0).add(s20); s21 = u.mul(x1).add(s21);
                u = ShortVector.broadcast(S, w[w3 + c]); s30 = u.mul(x0).add(s30); s31 = u.mul(x1).add(s31);
                u = ShortVector.broadcast(S, w[w4 + c]); s40 = u.mul(x0).add(s40); s41 = u.mul(x1).add(s41);
            }
            s00.intoArray(sums, 0); s01.intoArray(sums, LS); s10.intoArray(sums, P2); s11.intoArray(sums, P2 + LS);
            s20.intoArray(sums, 2 * P2); s21.intoArray(sums, 2 * P2 + LS); s30.intoArray(sums, 3 * P2); s31.intoArray(sums, 3 * P2 + LS);
            s40.intoArray(sums, 4 * P2); s41.intoArray(sums, 4 * P2 + LS);
            flush(sums, P2, nb, b, sc, so, dx, acc, ao);
        }
    }

    /** As {@link #rows5x2} for a panel of LS tokens. */
    private static void rows5x1(short[] w, int wo, int cols, float[] sc, int so, short[] xq, float[] dx, short[] sums, float[] acc, int ao,
                                int b0, int b1) {
        int w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols, w4 = w3 + cols, nb = cols / 32;
        for (int b = b0; b < b1; b++) {
            ShortVector z = ShortVector.zero(S);
            ShortVector s0 = z, s1 = z, s2 = z, s3 = z, s4 = z;
            for (int c = 32 * b, xc = c * P1, end = c + 32; c < end; c++, xc += P1) {
                ShortVector x0 = ShortVector.fromArray(S, xq, xc);
                s0 = ShortVector.broadcast(S, w[wo + c]).mul(x0).add(s0);
                s1 = ShortVector.broadcast(S, w[w1 + c]).mul(x0).add(s1);
                s2 = ShortVector.broadcast(S, w[w2 + c]).mul(x0).add(s2);
                s3 = ShortVector.broadcast(S, w[w3 + c]).mul(x0).add(s3);
                s4 = ShortVector.broadcast(S, w[w4 + c]).mul(x0).add(s4);
            }
            s0.intoArray(sums, 0); s1.intoArray(sums, P1); s2.intoArray(sums, 2 * P1); s3.intoArray(sums, 3 * P1); s4.intoArray(sums, 4 * P1);
            flush(sums, P1, nb, b, sc, so, dx, acc, ao);
        }
    }

    /**
     * Block b of five rows: acc[r, j] += sums[r, j] · scale[r, b] · dx[b, j] for the
     * width tokens j of a panel. The integer sums come through memory, not as vector arguments, which C2 would box
     * when this call is not inlined into the large micro-kernel.
     */
    private static void flush(short[] sums, int width, int nb, int b, float[] sc, int so, float[] dx, float[] acc, int ao) {
        int d = b * width;
        for (int r = 0; r < ROWS; r++) {
            int rb = so + r * nb + b;
            FloatVector scale = FloatVector.broadcast(Vec.F, sc[rb]);
            for (int i = 0; i < width; i += LS) {
                // Each half loaded on its own: widening the upper half of a full vector costs C2 two shuffles.
                int a = ao + r * width + i, at = r * width + i;
                FloatVector lo = ((FloatVector) ShortVector.fromArray(HALF, sums, at).convertShape(VectorOperators.S2F, Vec.F, 0))
                        .fma(FloatVector.fromArray(Vec.F, dx, d + i).mul(scale), FloatVector.fromArray(Vec.F, acc, a));
                FloatVector hi = ((FloatVector) ShortVector.fromArray(HALF, sums, at + L).convertShape(VectorOperators.S2F, Vec.F, 0))
                        .fma(FloatVector.fromArray(Vec.F, dx, d + i + L).mul(scale), FloatVector.fromArray(Vec.F, acc, a + L));
                lo.intoArray(acc, a);
                hi.intoArray(acc, a + L);
            }
        }
    }
}
