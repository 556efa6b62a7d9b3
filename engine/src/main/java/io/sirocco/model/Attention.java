package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;

/**
 * Causal grouped-query attention of a batch over the paged KV cache: token t of sequence s at position p attends to
 * positions 0..p of s (its own key included, written before this runs). Query head h reads KV head h / group.
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
        float[] keys = cache.keys(layer), values = cache.values(layer);
        int T = batch.size();
        pool.parallelFor(T * nHeads, item -> {
            int t = item / nHeads, h = item % nHeads;
            int kvOff = (h / group) * hd;
            int qo = t * qDim + h * hd;
            int len = batch.positions()[t] + 1;
            KvCache.SequenceKv seq = batch.sequences()[t];
            float[] scores = new float[len];
            for (int j = 0; j < len; j++) {
                int ko = cache.offset(seq, j) + kvOff;
                float s = 0;
                for (int i = 0; i < hd; i++) s += q[qo + i] * keys[ko + i];
                scores[j] = s * scale;
            }
            Ops.softmax(scores, 0, len);
            int oo = t * qDim + h * hd;
            java.util.Arrays.fill(out, oo, oo + hd, 0f);
            for (int j = 0; j < len; j++) {
                int vo = cache.offset(seq, j) + kvOff;
                float a = scores[j];
                for (int i = 0; i < hd; i++) out[oo + i] += a * values[vo + i];
            }
        });
    }
}
