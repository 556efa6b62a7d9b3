package io.sirocco.vision;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.Kernels;

/**
 * {@link Kernels#matmul} over many activation rows (thousands of patches), a cache-sized block of rows at a time.
 * The kernel streams every activation row past each weight row, so with all N rows at once it rereads N·cols floats
 * from memory per weight row; blocks of about 256 KB of activations stay in L2 and cost one extra dequantization of
 * the weights per block instead.
 */
final class BlockedMatmul {
    private BlockedMatmul() {}

    private static final int BLOCK_FLOATS = 1 << 16;  // 256 KB of activations per block

    /** {@code out[t*rows + r] = Σ_c w[r, c] · x[t*cols + c]} for t &lt; n. */
    static void matmul(Tensor w, float[] x, int n, float[] out, WorkerPool pool) {
        int rows = (int) w.rows(), cols = (int) w.cols();
        int block = Math.max(4, (BLOCK_FLOATS / cols) & ~3);
        for (int t = 0; t < n; t += block) {
            int m = Math.min(block, n - t);
            Kernels.matmul(w, x, t * cols, m, out, t * rows, pool);
        }
    }
}
