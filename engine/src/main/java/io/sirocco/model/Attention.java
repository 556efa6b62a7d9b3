package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;

/**
 * Causal grouped-query attention of a batch over the paged KV cache: token t of sequence s at position p attends to
 * positions 0..p of s (its own key included, written before this runs). Query head h reads KV head h / group.
 *
 * <p>{@link #run} works per (run of consecutive batch tokens of one sequence, KV head): the keys and values that
 * run can see are widened from the cache's storage type to f32 once, then every token of the run and every query
 * head of the group uses them (a prompt chunk of T tokens widens each key once instead of T·group times). All
 * arithmetic is f32; {@link #runReference} is the plain loop it is tested against.
 */
final class Attention {
    private Attention() {}

    /** Per worker thread: widened keys and values (len, headDim) and the scores (len) of one query. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0], new float[0]});

    /**
     * @param q   (T, nHeads·headDim) rotated queries
     * @param out (T, nHeads·headDim) attention output
     */
    static void run(ModelConfig c, KvCache cache, int layer, Batch batch, float[] q, float[] out, WorkerPool pool) {
        int hd = c.headDim(), nKv = c.nKvHeads(), group = c.gqaGroup(), qDim = c.qDim(), T = batch.size();
        float scale = (float) (1.0 / Math.sqrt(hd));
        int[] runStart = new int[T + 1];  // runs of consecutive tokens of one sequence: [runStart[i], runStart[i+1])
        int runs = 0;
        for (int t = 0; t < T; t++) if (t == 0 || batch.sequences()[t] != batch.sequences()[t - 1]) runStart[runs++] = t;
        runStart[runs] = T;
        int[] pos = batch.positions();
        pool.parallelForRange(runs * nKv, 1, (i0, i1) -> {
            for (int item = i0; item < i1; item++) {
                int r = item / nKv, kvh = item % nKv, t0 = runStart[r], t1 = runStart[r + 1];
                KvCache.SequenceKv seq = batch.sequences()[t0];
                int len = 0;
                for (int t = t0; t < t1; t++) len = Math.max(len, pos[t] + 1);
                float[][] s = scratch(len, hd);
                float[] k = s[0], v = s[1], scores = s[2];  // k, v: (len, hd)
                for (int j = 0; j < len; j++) {
                    int slot = cache.slot(seq, j);
                    cache.readKey(layer, slot, kvh * hd, k, j * hd, hd);
                    cache.readValue(layer, slot, kvh * hd, v, j * hd, hd);
                }
                for (int t = t0; t < t1; t++) {
                    int n = pos[t] + 1;
                    for (int g = 0; g < group; g++) {
                        int qo = t * qDim + (kvh * group + g) * hd;
                        for (int j = 0; j < n; j++) scores[j] = Ops.dot(q, qo, k, j * hd, hd) * scale;
                        Ops.softmax(scores, 0, n);
                        java.util.Arrays.fill(out, qo, qo + hd, 0f);
                        for (int j = 0; j < n; j++) Ops.axpy(scores[j], v, j * hd, out, qo, hd);
                    }
                }
            }
        });
    }

    private static float[][] scratch(int len, int hd) {
        float[][] s = SCRATCH.get();
        if (s[2].length < len || s[0].length < len * hd) {  // head width differs between models
            int cap = Math.max(len, s[2].length * 2);
            s[0] = new float[cap * hd];
            s[1] = new float[cap * hd];
            s[2] = new float[cap];
        }
        return s;
    }

    /** The scalar reference of {@link #run}: keys and values read out plainly, sums in double. */
    static void runReference(ModelConfig c, KvCache cache, int layer, Batch batch, float[] q, float[] out) {
        int hd = c.headDim(), nHeads = c.nHeads(), group = c.gqaGroup(), qDim = c.qDim();
        double scale = 1.0 / Math.sqrt(hd);
        float[] k = new float[hd], v = new float[hd];
        for (int item = 0; item < batch.size() * nHeads; item++) {
            int t = item / nHeads, h = item % nHeads;
            int kvOff = (h / group) * hd, qo = t * qDim + h * hd, len = batch.positions()[t] + 1;
            KvCache.SequenceKv seq = batch.sequences()[t];
            double[] p = new double[len];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < len; j++) {
                cache.readKey(layer, cache.slot(seq, j), kvOff, k, 0, hd);
                double s = 0;
                for (int i = 0; i < hd; i++) s += (double) q[qo + i] * k[i];
                p[j] = s * scale;
                max = Math.max(max, p[j]);
            }
            for (int j = 0; j < len; j++) sum += p[j] = Math.exp(p[j] - max);
            for (int i = 0; i < hd; i++) out[qo + i] = 0;
            double[] acc = new double[hd];
            for (int j = 0; j < len; j++) {
                cache.readValue(layer, cache.slot(seq, j), kvOff, v, 0, hd);
                for (int i = 0; i < hd; i++) acc[i] += p[j] / sum * v[i];
            }
            for (int i = 0; i < hd; i++) out[qo + i] = (float) acc[i];
        }
    }
}
