package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.kernel.Kernels;
import java.util.Arrays;

/**
 * Multi-head latent attention (spec §5.4, testdata mistral-small4 README §5), absorbed: the cache holds per token only
 * the normed latent c (kvLora) and the roped key k_pe (rope), and per head the key/value up-projections are folded in:
 * score = (W_uk[h]ᵀ q_nope)·c_s + q_pe·k_pe_s, out_h = W_uv[h] · Σ_s P_s c_s. Same numbers as expanding K/V.
 */
final class MlaAttention {
    private final ModelConfig c;
    private final Mistral4Params.Mla mla;
    private final Mistral4Params.Llama4Scaling l4;

    MlaAttention(ModelConfig config) {
        this.c = config;
        this.mla = config.mistral4().mla();
        this.l4 = config.mistral4().llama4Scaling();
    }

    /** Floats cached per position and layer: [c (kvLora) ‖ k_pe (rope)]. */
    int cacheWidth() {
        return mla.kvLoraRank() + mla.qkRopeHeadDim();
    }

    /** Attention reads the latent and the rope key as spans: block-quantized storage must align with both. */
    int cacheUnit() {
        return java.math.BigInteger.valueOf(mla.kvLoraRank()).gcd(java.math.BigInteger.valueOf(mla.qkRopeHeadDim())).intValue();
    }

    /**
     * @param x      (T, dim) normed input
     * @param rope   YaRN rotation at each token's absolute position
     * @param ropePositions (T) absolute positions (for the Llama-4 scale); cache slots are the batch positions
     * @param out    (T, dim) attention block output (after wo)
     */
    void run(Mistral4Weights.Layer lw, int layer, Batch batch, float[] x, Rope rope, int[] ropePositions, KvCache cache, float[] out,
             WorkerPool pool) {
        int T = batch.size(), heads = c.nHeads(), qLora = mla.qLoraRank(), lat = mla.kvLoraRank(), rd = mla.qkRopeHeadDim();
        int nope = mla.qkNopeHeadDim(), qk = mla.qkHeadDim(), vd = mla.vHeadDim(), w = cacheWidth();
        float[] cq = new float[T * qLora];      // (T, qLora)
        float[] q = new float[T * heads * qk];  // (T, heads, [nope ‖ rope])
        float[] ckv = new float[T * w];         // (T, [latent ‖ rope key])
        float[] att = new float[T * heads * vd];  // (T, heads·v)

        Kernels.matmul(lw.wqA(), x, T, cq, pool);
        for (int t = 0; t < T; t++) Ops.rmsNorm(cq, t * qLora, lw.qANorm(), c.normEps(), cq, t * qLora, qLora);
        Kernels.matmul(lw.wqB(), cq, T, q, pool);
        Kernels.matmul(lw.wkvA(), x, T, ckv, pool);
        for (int t = 0; t < T; t++) {
            Ops.rmsNorm(ckv, t * w, lw.kvANorm(), c.normEps(), ckv, t * w, lat);
            rope.apply(ckv, t * w + lat, 1, t);
            for (int h = 0; h < heads; h++) rope.apply(q, (t * heads + h) * qk + nope, 1, t);
            cache.writeKey(layer, cache.slot(batch.sequences()[t], batch.positions()[t]), ckv, t * w);
        }

        double softmaxScale = 1.0 / Math.sqrt(qk);  // Mistral's: no YaRN mscale factor (README §5.3)
        pool.parallelFor(T * heads, item -> {
            int t = item / heads, h = item % heads;
            float scale = (float) (softmaxScale * (l4 == null ? 1.0 : l4.scale(ropePositions[t])));
            int qo = (t * heads + h) * qk;
            // Query in cache space (w = latent ‖ rope key): W_uk[h]ᵀ q_nope, then the rope lanes; both carry the score scale.
            float[] qc = new float[w];
            MlaKernels.absorbQuery(lw.wUk(), h * nope * lat, q, qo, nope, lat, scale, qc, 0);
            for (int i = 0; i < rd; i++) qc[lat + i] = q[qo + nope + i] * scale;

            int len = batch.positions()[t] + 1;
            KvCache.SequenceKv seq = batch.sequences()[t];
            float[] scores = new float[len];
            for (int s = 0; s < len; s++) scores[s] = cache.dotKey(layer, cache.slot(seq, s), 0, qc, 0, w);
            Ops.softmax(scores, 0, len);
            float[] ctx = new float[lat];  // Σ_s P_s c_s
            for (int s = 0; s < len; s++) cache.addKey(layer, cache.slot(seq, s), 0, scores[s], ctx, 0, lat);
            MlaKernels.projectValues(lw.wUv(), h * vd * lat, ctx, vd, lat, att, (t * heads + h) * vd);
        });
        Kernels.matmul(lw.wo(), att, T, out, pool);
    }
}
