package io.sirocco.model;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.Kernels;
import java.util.Arrays;

/**
 * Mistral 4's mixture-of-experts FFN (spec §5.4): router softmax over all experts, the top k (ties → lower index)
 * renormalised and scaled, plus the shared expert. The batch's tokens are grouped by expert so each chosen expert's
 * weights are read once per step, and experts no token chose are not read at all.
 */
final class MoeFeedForward {
    private MoeFeedForward() {}

    /** out (T, dim) = MoE(x (T, dim)); returns the ids of the routed experts read (each once, ascending). */
    static int[] run(Mistral4Params.Moe moe, Mistral4Weights.Layer lw, float[] x, int T, int dim, float[] out, WorkerPool pool) {
        if (T == 0) return new int[0];  // nothing left to route (the last layer when no row is sampled)
        int nExp = moe.numExperts(), k = moe.expertsPerToken(), hid = moe.expertHiddenDim();
        float[] logits = new float[T * nExp];  // (T, experts)
        Kernels.matmul(lw.router(), x, T, logits, pool);
        int[] chosen = new int[T * k];         // (T, k) expert ids
        float[] weight = new float[T * k];     // (T, k) their mixing weights
        for (int t = 0; t < T; t++) route(logits, t * nExp, nExp, k, moe.normalizeTopK(), moe.routedScale(), chosen, weight, t * k);

        // One token: experts split row-wise across threads in two fused passes, on the mapped weights. With int8
        // decode the grouped path below does better: it runs each chosen expert's whole matrices, which the kernels
        // repack once (a per-call row view of them cannot be).
        if (T == 1 && !Kernels.int8Decode()) return oneToken(lw, x, dim, hid, chosen, weight, out, pool);
        Arrays.fill(out, 0, T * dim, 0f);
        // Tokens per expert (counting sort of the (token, slot) pairs by expert).
        int[] start = new int[nExp + 1];
        for (int e : chosen) start[e + 1]++;
        for (int e = 0; e < nExp; e++) start[e + 1] += start[e];
        int[] slots = new int[T * k];  // (token·k + slot) pairs ordered by expert
        int[] fill = Arrays.copyOf(start, nExp);
        for (int i = 0; i < T * k; i++) slots[fill[chosen[i]]++] = i;

        float[] xs = new float[T * dim], gate = new float[T * hid], up = new float[T * hid], y = new float[T * dim];
        for (int e = 0; e < nExp; e++) {
            int n = start[e + 1] - start[e];
            if (n == 0) continue;
            for (int j = 0; j < n; j++) System.arraycopy(x, slots[start[e] + j] / k * dim, xs, j * dim, dim);
            expert(lw.experts().get(e), xs, n, hid, gate, up, y, pool);
            for (int j = 0; j < n; j++) {
                int i = slots[start[e] + j], t = i / k;
                float w = weight[i];
                for (int d = 0; d < dim; d++) out[t * dim + d] += w * y[j * dim + d];
            }
        }
        if (lw.shared() != null) {
            expert(lw.shared(), x, T, hid, gate, up, y, pool);
            Ops.add(out, y, T * dim);
        }
        int[] read = new int[nExp];
        int nRead = 0;
        for (int e = 0; e < nExp; e++) if (start[e + 1] > start[e]) read[nRead++] = e;
        return Arrays.copyOf(read, nRead);
    }

    /**
     * Decode of one token: the k chosen experts and the shared one run as two row-parallel passes (all gate/up rows,
     * then all down rows) instead of three pool-wide matmuls each. Fewer fork/joins per layer, balanced across threads.
     */
    private static int[] oneToken(Mistral4Weights.Layer lw, float[] x, int dim, int hid, int[] chosen, float[] weight, float[] out,
                                  WorkerPool pool) {
        int k = chosen.length, units = k + (lw.shared() == null ? 0 : 1);
        Mistral4Weights.Expert[] ex = new Mistral4Weights.Expert[units];
        for (int u = 0; u < k; u++) ex[u] = lw.experts().get(chosen[u]);
        if (units > k) ex[k] = lw.shared();
        float[] gate = new float[units * hid], up = new float[units * hid];  // (units, hid)
        float[] y = new float[units * dim];                                   // (units, dim)
        // Pass 1: rows [0, units·2·hid): unit u's gate rows, then its up rows.
        pool.parallelForRange(units * 2 * hid, 16, (r0, r1) -> {
            for (int r = r0; r < r1; ) {
                int u = r / (2 * hid), i = r % (2 * hid), m = i / hid, first = i % hid, n = Math.min(r1 - r, hid - first);
                Tensor w = m == 0 ? ex[u].w1() : ex[u].w3();
                Kernels.matmul(Mistral4Loader.rowView(w, first, n), x, 0, 1, m == 0 ? gate : up, u * hid + first, pool);
                r += n;
            }
        });
        Ops.swiglu(gate, up, units * hid);
        // Pass 2: rows [0, units·dim) of the down projections.
        pool.parallelForRange(units * dim, 16, (r0, r1) -> {
            for (int r = r0; r < r1; ) {
                int u = r / dim, first = r % dim, n = Math.min(r1 - r, dim - first);
                Kernels.matmul(Mistral4Loader.rowView(ex[u].w2(), first, n), gate, u * hid, 1, y, u * dim + first, pool);
                r += n;
            }
        });
        for (int d = 0; d < dim; d++) {
            float s = units > k ? y[k * dim + d] : 0;
            for (int u = 0; u < k; u++) s += weight[u] * y[u * dim + d];
            out[d] = s;
        }
        int[] read = chosen.clone();
        Arrays.sort(read);
        return read;
    }

    /** Bytes of an expert's three matrices as stored. */
    static long bytes(Mistral4Weights.Expert e) {
        return e.w1().data().byteSize() + e.w2().data().byteSize() + e.w3().data().byteSize();
    }

    /** y (n, dim) = w2 · (silu(w1 · x) ⊙ w3 · x) for n rows of x. */
    private static void expert(Mistral4Weights.Expert e, float[] x, int n, int hid, float[] gate, float[] up, float[] y, WorkerPool pool) {
        Kernels.matmul(e.w1(), x, n, gate, pool);
        Kernels.matmul(e.w3(), x, n, up, pool);
        Ops.swiglu(gate, up, n * hid);
        Kernels.matmul(e.w2(), gate, n, y, pool);
    }

    /**
     * Routes one token: softmax of {@code logits[off .. off + nExp)}, the {@code k} most probable experts (ties → the
     * lower index) into {@code ids[o ..]}, and their weights p_e / Σ_top p (when {@code normalize}) · scale into {@code w[o ..]}.
     */
    static void route(float[] logits, int off, int nExp, int k, boolean normalize, double scale, int[] ids, float[] w, int o) {
        double max = Double.NEGATIVE_INFINITY;
        for (int e = 0; e < nExp; e++) max = Math.max(max, logits[off + e]);
        double[] p = new double[nExp];
        double sum = 0;
        for (int e = 0; e < nExp; e++) sum += p[e] = Math.exp(logits[off + e] - max);
        boolean[] taken = new boolean[nExp];
        double topSum = 0;
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < nExp; e++) if (!taken[e] && (best < 0 || p[e] > p[best])) best = e;  // strict: ties keep the lower id
            taken[best] = true;
            ids[o + j] = best;
            topSum += p[best] / sum;
        }
        for (int j = 0; j < k; j++) {
            double pe = p[ids[o + j]] / sum;
            w[o + j] = (float) ((normalize ? pe / topSum : pe) * scale);
        }
    }
}
