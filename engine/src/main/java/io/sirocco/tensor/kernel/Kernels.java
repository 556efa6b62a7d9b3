package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

/**
 * Vector API kernels over weights kept in their GGUF block layouts: dequantization happens inside the dot product.
 * Checked against {@link ScalarKernels}.
 *
 * <p>{@code matmul} with one activation row (decode) is a fused dequantize-and-dot per weight row, bound by memory
 * bandwidth. With several rows a block of weight rows is dequantized once into a per-chunk buffer that stays in L2, so
 * weights are read from memory once per call rather than once per token, and applied to the activation rows: in 4×4
 * register tiles of dot products below {@code L} rows (small decode batches), in token panels from {@code L} rows on
 * ({@link PanelMatmul}: prefill).
 */
public final class Kernels {
    private Kernels() {}

    private static volatile boolean int8Prefill;

    /**
     * Whether prefill (32 activation rows or more) on Q4_0 and Q4_K weights quantizes the activations to int8 per 32
     * values and sums products in 16-bit lanes ({@link Int8PanelMatmul}), as llama.cpp does: ≈ 1.5× faster, logits
     * move by ~1e-2. Off by default, so the library's results match the f32 reference to rounding.
     */
    public static void setInt8Prefill(boolean on) {
        int8Prefill = on;
    }

    public static boolean int8Prefill() {
        return int8Prefill;
    }

    private static volatile boolean int8Decode;

    /**
     * Whether decode (one activation row, or a few: see InterleavedRows.usedFor) runs over copies of the matrices made
     * for it ({@link InterleavedRows}: on first use, or ahead by a {@link BackgroundRepack}): Q4_0, Q8_0, Q5_0 (as
     * Q8_0), Q4_K, Q5_K and Q6_K with rows in vector lanes and int8 activations ({@link Int8Decode}), as llama.cpp
     * does, ≈ 2× faster with logits
     * moved by ~1e-2; BF16 in column slabs ({@link BF16Kernel#slabs}), same float math, ≈ 1.7× faster. The copies
     * cost memory. Off by default, so the library's results match the f32 reference to rounding.
     */
    public static void setInt8Decode(boolean on) {
        int8Decode = on;
    }

    public static boolean int8Decode() {
        return int8Decode;
    }

    /**
     * Caps the bytes that decode copies (int8-decode layouts, BF16 slabs) may hold together; a matrix past the cap stays
     * on the mapped file. Model.repackForDecode sets it so that the copies and the mapped weights (which prefill still
     * reads) fit in memory together. Unlimited by default.
     */
    public static void setDecodeCopyBudget(long bytes) {
        InterleavedRows.budget = bytes;
    }

    public static long decodeCopyBudget() {
        return InterleavedRows.budget;
    }

    /** Activation rows applied together to one dequantized weight row. */
    private static final int TILE = 4;

    static RowKernel kernel(GgmlType type) {
        return switch (type) {
            case F32 -> F32Kernel.INSTANCE;
            case F16 -> F16Kernel.INSTANCE;
            case BF16 -> BF16Kernel.INSTANCE;
            case Q8_0 -> Q8_0Kernel.INSTANCE;
            case Q4_0 -> Q4_0Kernel.INSTANCE;
            case Q4_K -> Q4_KKernel.INSTANCE;
            case Q5_K -> Q5_KKernel.INSTANCE;
            case Q6_K -> Q6_KKernel.INSTANCE;
            case Q5_0 -> Q5_0Kernel.INSTANCE;
            default -> throw Checks.unsupported(type);
        };
    }

    /** Σ_c w[row, c] · x[xOff + c]. */
    public static float dot(Tensor w, long row, float[] x, int xOff) {
        int cols = Checks.cols(w);
        Checks.row(w, row);
        Checks.range("x", x.length, xOff, cols);
        return kernel(w.type()).dot(w.data(), row * w.rowBytes(), cols, x, xOff, new float[4 * L]);
    }

    /** Writes row {@code row} of {@code w} to {@code dst[off .. off + cols)} (embedding lookups). */
    public static void dequantizeRow(Tensor w, long row, float[] dst, int off) {
        int cols = Checks.cols(w);
        Checks.row(w, row);
        Checks.range("dst", dst.length, off, cols);
        kernel(w.type()).dequantize(w.data(), row * w.rowBytes(), cols, dst, off);
    }

    /** {@code out[t*rows + r] = Σ_c w[r, c] · x[t*cols + c]} for {@code t < n}, rows split across {@code pool}. */
    public static void matmul(Tensor w, float[] x, int n, float[] out, WorkerPool pool) {
        matmul(w, x, 0, n, out, 0, pool);
    }

    /** As {@link #matmul(Tensor, float[], int, float[], WorkerPool)} on slices: x rows at {@code xOff + t*cols}, outputs at {@code outOff + t*rows + r}. */
    public static void matmul(Tensor w, float[] x, int xOff, int n, float[] out, int outOff, WorkerPool pool) {
        int rows = Checks.rows(w);
        int cols = Checks.cols(w);
        Checks.count(n);
        Checks.range("x", x.length, xOff, (long) n * cols);
        Checks.range("out", out.length, outOff, (long) n * rows);
        if (n == 0 || rows == 0) return;
        RowKernel k = kernel(w.type());
        var data = w.data();
        long rowBytes = w.rowBytes();
        if (w.type() == GgmlType.BF16 && int8Decode && InterleavedRows.usedFor(GgmlType.BF16, n)
                && InterleavedRows.supports(GgmlType.BF16, cols)) {
            // Column slabs: same float math, 1.7× the stream rate of the row layout. Sequences decoding together go
            // through in batches of up to 4 tokens, one pass over the copy per batch.
            InterleavedRows p = InterleavedRows.of(w, pool);
            if (p != null) {
                for (int t0 = 0; t0 < n; t0 += BF16Kernel.BATCH) {
                    int nt = Math.min(BF16Kernel.BATCH, n - t0), o = outOff + t0 * rows;
                    float[][] xd = new float[nt][];
                    for (int t = 0; t < nt; t++) xd[t] = BF16Kernel.deinterleave(x, xOff + (t0 + t) * cols, cols);
                    if (nt == 1) pool.parallelForRange(rows, 16, (r0, r1) -> BF16Kernel.slabs(p, xd[0], out, o, r0, r1));
                    else pool.parallelForRange(rows, 16, (r0, r1) -> BF16Kernel.slabsBatch(p, xd, nt, out, o, rows, r0, r1));
                }
                return;
            }
        }
        if (n == 1 && w.type() == GgmlType.BF16 && cols % (2 * L) == 0) {
            float[] xd = BF16Kernel.deinterleave(x, xOff, cols);
            pool.parallelForRange(rows, 16, (r0, r1) -> {
                float[] lanes = new float[4 * L];
                for (int r = r0; r < r1; r++) out[outOff + r] = BF16Kernel.INSTANCE.dotPairs(data, r * rowBytes, cols, xd, lanes);
            });
            return;
        }
        if (int8Decode && Int8Decode.takes(w.type(), n) && InterleavedRows.supports(w.type(), cols)) {
            InterleavedRows p = InterleavedRows.of(w, pool);
            if (p != null) {
                Int8Decode.matmul(p, x, xOff, n, out, outOff, pool);
                return;
            }
        }
        if (n == 1) {
            float[] px = k.prepare(x, xOff, cols);
            pool.parallelForRange(rows, 16, (r0, r1) -> {
                // Rows r, r + q, r + 2q and r + 3q together: four memory streams in flight per thread (RowKernel.dot4).
                int q = (r1 - r0) / 4;
                float[] lanes = new float[4 * L];
                for (int r = r0; r < r0 + q; r++)
                    k.dot4(data, r * rowBytes, q * rowBytes, cols, x, xOff, px, out, outOff + r, q, lanes);
                for (int r = r0 + 4 * q; r < r1; r++) out[outOff + r] = k.dot(data, r * rowBytes, cols, x, xOff, lanes);
            });
            return;
        }
        if (n >= 2 * Vec.L && int8Prefill && Int8PanelMatmul.supports(w.type())) {
            Int8PanelMatmul.run(w.type(), data, rowBytes, rows, cols, x, xOff, n, out, outOff, pool);
            return;
        }
        if (n >= L) {
            PanelMatmul.run(k, data, rowBytes, rows, cols, x, xOff, n, out, outOff, pool);
            return;
        }
        // A block of weight rows is dequantized once into a buffer that stays in L2, then swept by every activation
        // row in 4×4 register tiles (4 weight rows × 4 tokens: 8 loads per 16 FMAs).
        int block = rowBlock(cols);
        pool.parallelForRange((rows + block - 1) / block, 1, (b0, b1) -> {
            float[] wb = new float[block * cols];  // (block, cols)
            float[] lanes = new float[16 * L];     // the lanes of a tile's 16 sums
            for (int b = b0; b < b1; b++) {
                int r0 = b * block, nr = Math.min(block, rows - r0);
                for (int i = 0; i < nr; i++) k.dequantize(data, (long) (r0 + i) * rowBytes, cols, wb, i * cols);
                for (int t = 0; t < n; t += TILE) {
                    int nt = Math.min(TILE, n - t), xt = xOff + t * cols, ot = outOff + t * rows + r0;
                    int i = 0;
                    if (nt == TILE) {
                        for (; i + TILE <= nr; i += TILE) tile4x4(wb, i * cols, cols, x, xt, out, ot + i, rows, lanes);
                        for (; i < nr; i++) dot4(wb, i * cols, cols, x, xt, out, ot + i, rows, lanes);
                    } else {
                        for (; i < nr; i++)
                            for (int u = 0; u < nt; u++) out[ot + u * rows + i] = dot(wb, i * cols, cols, x, xt + u * cols, lanes);
                    }
                }
            }
        });
    }

    /** Weight rows per dequantized block: a multiple of 4 whose floats take about 256 KiB (4 at least, 32 at most). */
    static int rowBlock(int cols) {
        int fit = (256 * 1024 / 4) / Math.max(1, cols);
        return Math.max(TILE, Math.min(32, fit / TILE * TILE));
    }

    /** out[o + j + i·stride] = w[wo + j·cols ..] · x[xi + i·cols ..] for weight rows j < 4 and activation rows i < 4. */
    private static void tile4x4(float[] w, int wo, int cols, float[] x, int xi, float[] out, int o, int stride,
                                float[] lanes) {
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        int w1 = wo + cols, w2 = w1 + cols, w3 = w2 + cols;
        int x1 = xi + cols, x2 = x1 + cols, x3 = x2 + cols;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, xi + c), v1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + c), v3 = FloatVector.fromArray(F, x, x3 + c);
            FloatVector u = FloatVector.fromArray(F, w, wo + c);
            a00 = u.fma(v0, a00); a10 = u.fma(v1, a10); a20 = u.fma(v2, a20); a30 = u.fma(v3, a30);
            u = FloatVector.fromArray(F, w, w1 + c);
            a01 = u.fma(v0, a01); a11 = u.fma(v1, a11); a21 = u.fma(v2, a21); a31 = u.fma(v3, a31);
            u = FloatVector.fromArray(F, w, w2 + c);
            a02 = u.fma(v0, a02); a12 = u.fma(v1, a12); a22 = u.fma(v2, a22); a32 = u.fma(v3, a32);
            u = FloatVector.fromArray(F, w, w3 + c);
            a03 = u.fma(v0, a03); a13 = u.fma(v1, a13); a23 = u.fma(v2, a23); a33 = u.fma(v3, a33);
        }
        // Lanes (i, j) at (4i + j)·L: activation row i's four sums land at out[o + i·stride + j].
        a00.intoArray(lanes, 0); a01.intoArray(lanes, L); a02.intoArray(lanes, 2 * L); a03.intoArray(lanes, 3 * L);
        a10.intoArray(lanes, 4 * L); a11.intoArray(lanes, 5 * L); a12.intoArray(lanes, 6 * L); a13.intoArray(lanes, 7 * L);
        a20.intoArray(lanes, 8 * L); a21.intoArray(lanes, 9 * L); a22.intoArray(lanes, 10 * L); a23.intoArray(lanes, 11 * L);
        a30.intoArray(lanes, 12 * L); a31.intoArray(lanes, 13 * L); a32.intoArray(lanes, 14 * L); a33.intoArray(lanes, 15 * L);
        for (int g = 0; g < 16; g++) out[o + g / 4 * stride + g % 4] = FloatLanes.sum(lanes, g * L, L);
        for (; c < cols; c++)
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) out[o + i * stride + j] += w[wo + j * cols + c] * x[xi + i * cols + c];
    }

    /** out[o + i·stride] = w · x[xi + i·cols ..] for four consecutive activation rows i. */
    private static void dot4(float[] w, int wo, int cols, float[] x, int xi, float[] out, int o, int stride,
                             float[] lanes) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int x1 = xi + cols, x2 = x1 + cols, x3 = x2 + cols;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector wv = FloatVector.fromArray(F, w, wo + c);
            a0 = wv.fma(FloatVector.fromArray(F, x, xi + c), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, x1 + c), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, x2 + c), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, x3 + c), a3);
        }
        a0.intoArray(lanes, 0); a1.intoArray(lanes, L); a2.intoArray(lanes, 2 * L); a3.intoArray(lanes, 3 * L);
        float s0 = FloatLanes.sum(lanes, 0, L), s1 = FloatLanes.sum(lanes, L, L);
        float s2 = FloatLanes.sum(lanes, 2 * L, L), s3 = FloatLanes.sum(lanes, 3 * L, L);
        for (; c < cols; c++) {
            s0 += w[wo + c] * x[xi + c];
            s1 += w[wo + c] * x[x1 + c];
            s2 += w[wo + c] * x[x2 + c];
            s3 += w[wo + c] * x[x3 + c];
        }
        out[o] = s0;
        out[o + stride] = s1;
        out[o + 2 * stride] = s2;
        out[o + 3 * stride] = s3;
    }

    private static float dot(float[] w, int wo, int cols, float[] x, int xi, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L)
            acc = FloatVector.fromArray(F, w, wo + c).fma(FloatVector.fromArray(F, x, xi + c), acc);
        acc.intoArray(lanes, 0);
        float sum = FloatLanes.sum(lanes, 0, L);
        for (; c < cols; c++) sum += w[wo + c] * x[xi + c];
        return sum;
    }
}
