package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector API kernels over weights kept in their GGUF block layouts: dequantization happens inside the dot product.
 * Checked against {@link ScalarKernels}.
 *
 * <p>{@code matmul} with one activation row (decode) is a fused dequantize-and-dot per weight row, bound by memory
 * bandwidth. With several rows (prefill, batched decode) each weight row is dequantized once into a small per-chunk
 * buffer that stays in L1 and then applied to the activation rows four at a time, so weights are read from memory once
 * per call rather than once per token.
 *
 * <p>JIT shape matters more than instruction choice here. C2 stops inlining a method after about 18k parse nodes
 * (NodeCountInliningCutoff) or 15 levels, and a Vector API call it cannot inline boxes its vectors: measured 6-75 KB
 * of garbage per weight row and 10-20x slower kernels. So each type keeps its vector work in static methods over
 * one 256-value block whose loop body does at most two 16-value products, that take and return no vectors (floats
 * and arrays only), and that read a heap copy of the row (array loads parse to far fewer nodes than segment loads).
 * Check with {@code ThreadMXBean.getThreadAllocatedBytes} around a warmed-up matmul: it should allocate only the
 * per-chunk scratch arrays.
 */
public final class Kernels {
    private Kernels() {}

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
            default -> throw Checks.unsupported(type);
        };
    }

    /** Σ_c w[row, c] · x[xOff + c]. */
    public static float dot(Tensor w, long row, float[] x, int xOff) {
        int cols = Checks.cols(w);
        Checks.row(w, row);
        Checks.range("x", x.length, xOff, cols);
        return kernel(w.type()).dot(w.data(), row * w.rowBytes(), cols, x, xOff, new byte[Math.toIntExact(w.rowBytes())]);
    }

    /** Writes row {@code row} of {@code w} to {@code dst[off .. off + cols)} (embedding lookups). */
    public static void dequantizeRow(Tensor w, long row, float[] dst, int off) {
        int cols = Checks.cols(w);
        Checks.row(w, row);
        Checks.range("dst", dst.length, off, cols);
        kernel(w.type()).dequantize(w.data(), row * w.rowBytes(), cols, dst, off, new byte[Math.toIntExact(w.rowBytes())]);
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
        int rowBytes = Math.toIntExact(w.rowBytes());
        if (n == 1) {
            pool.parallelForRange(rows, 16, (r0, r1) -> {
                byte[] scratch = new byte[rowBytes];
                for (int r = r0; r < r1; r++) out[outOff + r] = k.dot(data, (long) r * rowBytes, cols, x, xOff, scratch);
            });
            return;
        }
        pool.parallelForRange(rows, 4, (r0, r1) -> {
            byte[] scratch = new byte[rowBytes];
            float[] wr = new float[cols];
            for (int r = r0; r < r1; r++) {
                k.dequantize(data, (long) r * rowBytes, cols, wr, 0, scratch);
                int t = 0;
                for (; t + TILE <= n; t += TILE) dot4(wr, cols, x, xOff + t * cols, out, outOff + t * rows + r, rows);
                for (; t < n; t++) out[outOff + t * rows + r] = dot(wr, cols, x, xOff + t * cols);
            }
        });
    }

    /** out[o + i·stride] = w · x[xi + i·cols ..] for four consecutive activation rows i. */
    private static void dot4(float[] w, int cols, float[] x, int xi, float[] out, int o, int stride) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int x1 = xi + cols, x2 = x1 + cols, x3 = x2 + cols;
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) {
            FloatVector wv = FloatVector.fromArray(F, w, c);
            a0 = wv.fma(FloatVector.fromArray(F, x, xi + c), a0);
            a1 = wv.fma(FloatVector.fromArray(F, x, x1 + c), a1);
            a2 = wv.fma(FloatVector.fromArray(F, x, x2 + c), a2);
            a3 = wv.fma(FloatVector.fromArray(F, x, x3 + c), a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            s0 += w[c] * x[xi + c];
            s1 += w[c] * x[x1 + c];
            s2 += w[c] * x[x2 + c];
            s3 += w[c] * x[x3 + c];
        }
        out[o] = s0;
        out[o + stride] = s1;
        out[o + 2 * stride] = s2;
        out[o + 3 * stride] = s3;
    }

    private static float dot(float[] w, int cols, float[] x, int xi) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L)
            acc = FloatVector.fromArray(F, w, c).fma(FloatVector.fromArray(F, x, xi + c), acc);
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) sum += w[c] * x[xi + c];
        return sum;
    }
}
