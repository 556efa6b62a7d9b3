package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Mistral Small 4's decoder (spec §5.4): every layer is MLA attention + mixture of experts, RoPE with YaRN frequencies
 * on the rope lanes, the Llama-4 query scale. Its KV cache holds the compressed latent, not per-head keys/values.
 */
public final class Mistral4Decoder implements Decoder {
    private final ModelConfig c;
    private final Mistral4Params p;
    private final Mistral4Weights w;
    private final double[] invFreq;
    private final MlaAttention attention;
    private volatile WeightReads lastReads = WeightReads.NONE;

    /**
     * Weight bytes one forward pass read, by part, as stored (mapped matrices at their quantized size, the norms and
     * latent up-projections widened at load at 4 bytes a float). The KV cache is not counted. A decode step of one token
     * reads {@code expertsPerToken} routed experts per layer: that, not the 128 experts, is what must come from RAM.
     *
     * @param attention         attention matrices, latent up-projections and the layer norms
     * @param routedExpertsRead (layer, expert) pairs read
     */
    public record WeightReads(long embeddings, long attention, long router, long routedExperts, long sharedExperts, long output,
                              int routedExpertsRead) {
        static final WeightReads NONE = new WeightReads(0, 0, 0, 0, 0, 0, 0);

        public long total() {
            return embeddings + attention + router + routedExperts + sharedExperts + output;
        }
    }

    public Mistral4Decoder(ModelConfig config, Mistral4Weights weights) {
        if (config.mistral4() == null) throw new IllegalArgumentException("not a Mistral 4 config: " + config);
        this.c = config;
        this.p = config.mistral4();
        this.w = weights;
        this.invFreq = YarnRope.inverseFrequencies(config.ropeTheta(), p.mla().qkRopeHeadDim(), p.yarn());
        this.attention = new MlaAttention(config);
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    @Override
    public long outputRows() {
        return w.output().rows();
    }

    @Override
    public KvCache.Shape cacheShape() {
        return new KvCache.Shape(c.nLayers(), attention.cacheWidth(), false, attention.cacheUnit());
    }

    public Mistral4Weights weights() {
        return w;
    }

    /** Attention, router and shared-expert matrices, then the output; routed experts are repacked on first use. */
    @Override
    public List<Tensor> decodeMatrices() {
        List<Tensor> m = new ArrayList<>();
        for (Mistral4Weights.Layer l : w.layers()) {
            m.addAll(List.of(l.wqA(), l.wqB(), l.wkvA(), l.wo(), l.router()));
            if (l.shared() != null) m.addAll(List.of(l.shared().w1(), l.shared().w3(), l.shared().w2()));
        }
        m.add(w.output());
        return m;
    }

    /** What the last {@link #forward} read (a cheap per-step count; with several callers, the latest to finish). */
    public WeightReads weightReadsLastStep() {
        return lastReads;
    }

    /** {@link WeightReads#total()} of the last step. */
    public long bytesReadLastStep() {
        return lastReads.total();
    }

    @Override
    public float[] forward(Batch batch, KvCache cache, WorkerPool pool) {
        return forward(batch, cache, pool, 0);
    }

    /**
     * As {@link #forward(Batch, KvCache, WorkerPool)} with RoPE and the Llama-4 scale at batch position + {@code positionOffset}:
     * the cache then holds only these tokens, as if placed that far into a sequence (large-position tests).
     */
    float[] forward(Batch batch, KvCache cache, WorkerPool pool, int positionOffset) {
        if (cache.kvDim() != attention.cacheWidth())
            throw new IllegalArgumentException("KV cache width " + cache.kvDim() + " does not match the MLA latent width " + attention.cacheWidth());
        int T = batch.size(), dim = c.dim();
        float[] h = new float[T * dim];  // (T, dim) residual stream
        float[] x = new float[T * dim];  // (T, dim) normed input of a block
        float[] o = new float[T * dim];  // (T, dim) block output
        int[] positions = batch.positions().clone();
        for (int t = 0; t < T; t++) positions[t] = Math.addExact(positions[t], positionOffset);
        Rope rope = new Rope(invFreq, RopeStyle.INTERLEAVED, positions);

        Embedding.embed(batch, w.tokEmbeddings(), dim, h);
        int rows = T;  // rows of h still needed: all of them, until the last layer keeps only the sampled ones
        long attn = 0, router = 0, routed = 0, shared = 0;
        int expertsRead = 0;
        for (int l = 0; l < c.nLayers(); l++) {
            Mistral4Weights.Layer lw = w.layers().get(l);
            for (int t = 0; t < T; t++) Ops.rmsNorm(h, t * dim, lw.attentionNorm(), c.normEps(), x, t * dim, dim);
            attention.run(lw, l, batch, x, rope, positions, cache, o, pool);
            Ops.add(h, o, T * dim);
            if (l == c.nLayers() - 1) {
                h = Embedding.keepLogitRows(batch, h, dim);
                rows = batch.logitRows().length;
            }

            for (int t = 0; t < rows; t++) Ops.rmsNorm(h, t * dim, lw.ffnNorm(), c.normEps(), x, t * dim, dim);
            int[] read = MoeFeedForward.run(p.moe(), lw, x, rows, dim, o, pool);
            Ops.add(h, o, rows * dim);

            attn += attentionBytes(lw);
            router += lw.router().data().byteSize();
            for (int e : read) routed += MoeFeedForward.bytes(lw.experts().get(e));
            expertsRead += read.length;
            if (lw.shared() != null) shared += MoeFeedForward.bytes(lw.shared());
        }
        float[] logits = Embedding.logits(h, rows, w.norm(), c.normEps(), w.output(), dim, pool);
        long emb = 0;
        for (int t = 0; t < T; t++) if (batch.embeddings() == null || batch.embeddings()[t] == null) emb += w.tokEmbeddings().rowBytes();
        long out = batch.logitRows().length == 0 ? 0 : w.output().data().byteSize() + 4L * w.norm().length;
        lastReads = new WeightReads(emb, attn, router, routed, shared, out, expertsRead);
        return logits;
    }

    private static long attentionBytes(Mistral4Weights.Layer lw) {
        return lw.wqA().data().byteSize() + lw.wqB().data().byteSize() + lw.wkvA().data().byteSize() + lw.wo().data().byteSize()
                + 4L * (lw.wUk().length + lw.wUv().length + lw.attentionNorm().length + lw.qANorm().length + lw.kvANorm().length
                + lw.ffnNorm().length);
    }
}
