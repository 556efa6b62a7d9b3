package io.sirocco.model;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.kernel.Kernels;

/** The pre-norm SwiGLU feed-forward block with its residual, shared by the decoder and the Pixtral encoder. */
public final class FeedForward {
    private FeedForward() {}

    /**
     * h[t] += w2 · (silu(w1 · n[t]) ⊙ (w3 · n[t])), n[t] = rmsNorm(h[t]) · ffnNorm, for the first {@code rows} rows of h.
     *
     * @param h    (rows, dim) residual stream, updated in place
     * @param x    (rows, dim) scratch for the normed input
     * @param gate (rows, hidden) scratch
     * @param up   (rows, hidden) scratch
     * @param o    (rows, dim) scratch for the block output
     */
    public static void apply(LayerWeights lw, float eps, float[] h, int rows, int dim, int hidden,
                             float[] x, float[] gate, float[] up, float[] o, WorkerPool pool) {
        for (int t = 0; t < rows; t++) Ops.rmsNorm(h, t * dim, lw.ffnNorm(), eps, x, t * dim, dim);
        Kernels.matmul(lw.w1(), x, rows, gate, pool);
        Kernels.matmul(lw.w3(), x, rows, up, pool);
        Ops.swiglu(gate, up, rows * hidden);
        Kernels.matmul(lw.w2(), gate, rows, o, pool);
        Ops.add(h, o, rows * dim);
    }
}
