package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;

/**
 * Causal grouped-query attention of a batch over the paged KV cache: token t of sequence s at position p attends to
 * positions 0..p of s (its own key included, written before this runs). Query head h reads KV head h / group.
 * Keys and values are widened from the cache's storage type inside its (vectorised) dot products; all arithmetic is
 * f32. {@link #run} keeps one score buffer per parallel chunk; {@link #runReference} is the plain loop it is tested against.
 */
final class Attention {
    private Attention() {}

    /**
     * @param q   (T, nHeads·headDim) rotated queries
     * @param out (T, nHeads·headDim) attention output
     */
    static void run(ModelConfig c, KvCache cache, int layer, Batch batch, float[] q, float[] out, WorkerPool pool) {
        int hd = c.headDim(), nHeads = c.nHeads(), group = c.gqaGroup(), qDim = c.qDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        int maxLen = 0;
        for (int p : batch.positions()) maxLen = Math.max(maxLen, p + 1);
        int scoresLen = maxLen;
        pool.parallelForRange(batch.size() * nHeads, 1, (i0, i1) -> {
            float[] scores = new float[scoresLen];  // (len) reused by every (token, head) of this chunk
            for (int item = i0; item < i1; item++) {
                int t = item / nHeads, h = item % nHeads;
                int kvOff = (h / group) * hd, qo = t * qDim + h * hd, len = batch.positions()[t] + 1;
                KvCache.SequenceKv seq = batch.sequences()[t];
                for (int j = 0; j < len; j++) scores[j] = cache.dotKey(layer, cache.slot(seq, j), kvOff, q, qo, hd) * scale;
                Ops.softmax(scores, 0, len);
                java.util.Arrays.fill(out, qo, qo + hd, 0f);
                for (int j = 0; j < len; j++) cache.addValue(layer, cache.slot(seq, j), kvOff, scores[j], out, qo, hd);
            }
        });
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
