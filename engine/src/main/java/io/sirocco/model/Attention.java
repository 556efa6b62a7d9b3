package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal grouped-query attention of a batch over the paged KV cache: token t of sequence s at position p attends to
 * positions 0..p of s (its own key included, written before this runs). Query head h reads KV head h / group.
 * {@link #run} uses the Vector API for q·k and the weighted sum of values, with one score buffer per parallel chunk;
 * {@link #runReference} is the plain loop it is tested against.
 */
final class Attention {
    private Attention() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * @param q   (T, nHeads·headDim) rotated queries
     * @param out (T, nHeads·headDim) attention output
     */
    static void run(ModelConfig c, KvCache cache, int layer, Batch batch, float[] q, float[] out, WorkerPool pool) {
        int hd = c.headDim(), nHeads = c.nHeads(), group = c.gqaGroup(), qDim = c.qDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] keys = cache.keys(layer), values = cache.values(layer);
        int T = batch.size();
        int maxLen = 0;
        for (int p : batch.positions()) maxLen = Math.max(maxLen, p + 1);
        int scoresLen = maxLen;
        pool.parallelForRange(T * nHeads, 1, (i0, i1) -> {
            float[] scores = new float[scoresLen];  // (len) reused by every (token, head) of this chunk
            for (int item = i0; item < i1; item++) {
                int t = item / nHeads, h = item % nHeads;
                int kvOff = (h / group) * hd;
                int qo = t * qDim + h * hd;
                int len = batch.positions()[t] + 1;
                KvCache.SequenceKv seq = batch.sequences()[t];
                for (int j = 0; j < len; j++) scores[j] = dot(q, qo, keys, cache.offset(seq, j) + kvOff, hd) * scale;
                Ops.softmax(scores, 0, len);
                java.util.Arrays.fill(out, qo, qo + hd, 0f);
                for (int j = 0; j < len; j++) axpy(scores[j], values, cache.offset(seq, j) + kvOff, out, qo, hd);
            }
        });
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length())
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** y[yo ..] += a · x[xo ..] for n values. */
    private static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length())
            FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        for (; i < n; i++) y[yo + i] += a * x[xo + i];
    }

    /** The scalar reference of {@link #run}. */
    static void runReference(ModelConfig c, KvCache cache, int layer, Batch batch, float[] q, float[] out) {
        int hd = c.headDim(), nHeads = c.nHeads(), group = c.gqaGroup(), qDim = c.qDim();
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] keys = cache.keys(layer), values = cache.values(layer);
        for (int item = 0; item < batch.size() * nHeads; item++) {
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
            java.util.Arrays.fill(out, qo, qo + hd, 0f);
            for (int j = 0; j < len; j++) {
                int vo = cache.offset(seq, j) + kvOff;
                float a = scores[j];
                for (int i = 0; i < hd; i++) out[qo + i] += a * values[vo + i];
            }
        }
    }
}
