package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;

/**
 * Causal grouped-query attention of a batch over the paged KV cache: token t of sequence s at position p attends to
 * positions 0..p of s (its own key included, written before this runs). Query head h reads KV head h / group.
 * Keys and values are widened from the cache's storage type inside the dot products; all arithmetic is f32.
 */
final class Attention {
    private Attention() {}

    /** Per-thread score buffer, grown on demand (one per worker, not one per head and token). */
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[256]);

    /**
     * @param q   (T, nHeads·headDim) rotated queries
     * @param out (T, nHeads·headDim) attention output
     */
    static void run(ModelConfig c, KvCache cache, int layer, Batch batch, float[] q, float[] out, WorkerPool pool) {
        int hd = c.headDim(), nHeads = c.nHeads(), group = c.gqaGroup(), qDim = c.qDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        int T = batch.size();
        pool.parallelFor(T * nHeads, item -> {
            int t = item / nHeads, h = item % nHeads;
            int kvOff = (h / group) * hd;
            int qo = t * qDim + h * hd;
            int len = batch.positions()[t] + 1;
            KvCache.SequenceKv seq = batch.sequences()[t];
            float[] scores = SCORES.get();
            if (scores.length < len) SCORES.set(scores = new float[Math.max(len, 2 * scores.length)]);
            for (int j = 0; j < len; j++) scores[j] = cache.dotKey(layer, cache.slot(seq, j), kvOff, q, qo, hd) * scale;
            Ops.softmax(scores, 0, len);
            java.util.Arrays.fill(out, qo, qo + hd, 0f);
            for (int j = 0; j < len; j++) cache.addValue(layer, cache.slot(seq, j), kvOff, scores[j], out, qo, hd);
        });
    }
}
