package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.Kernels;
import java.util.ArrayList;
import java.util.List;

/**
 * The dense Llama/Mistral decoder (spec §1.5), run on a batch of tokens from any number of sequences.
 * Reads top to bottom in the order of the math; buffers carry their shapes, T = tokens in the batch.
 */
public final class MistralDecoder implements Decoder {
    private final ModelConfig c;
    private final DecoderWeights w;
    private final double[] invFreq;

    public MistralDecoder(ModelConfig config, DecoderWeights weights) {
        this.c = config;
        this.w = weights;
        this.invFreq = Rope.inverseFrequencies(config.ropeTheta(), config.headDim());
    }

    @Override
    public ModelConfig config() {
        return c;
    }

    /** Rows of the output projection: the number of logits per sampled token. */
    @Override
    public long outputRows() {
        return w.output().rows();
    }

    @Override
    public KvCache.Shape cacheShape() {
        return new KvCache.Shape(c.nLayers(), c.kvDim(), true, c.headDim());
    }

    public DecoderWeights weights() {
        return w;
    }

    @Override
    public List<Tensor> decodeMatrices() {
        List<Tensor> m = new ArrayList<>();
        for (LayerWeights l : w.layers()) m.addAll(List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.w1(), l.w3(), l.w2()));
        m.add(w.output());
        return m;
    }

    /** Runs the batch, writing its keys/values into the cache; returns logits (logitRows.length, vocab). */
    @Override
    public float[] forward(Batch batch, KvCache cache, WorkerPool pool) {
        int T = batch.size(), dim = c.dim(), qDim = c.qDim(), kvDim = c.kvDim(), hidden = c.hiddenDim();
        float[] h = new float[T * dim];        // (T, dim) residual stream
        float[] x = new float[T * dim];        // (T, dim) normed input of a block
        float[] q = new float[T * qDim];       // (T, nHeads·headDim)
        float[] k = new float[T * kvDim];      // (T, nKvHeads·headDim)
        float[] v = new float[T * kvDim];
        float[] att = new float[T * qDim];     // (T, nHeads·headDim)
        float[] o = new float[T * dim];        // (T, dim)
        float[] gate = new float[T * hidden];  // (T, hiddenDim)
        float[] up = new float[T * hidden];

        Embedding.embed(batch, w.tokEmbeddings(), dim, h);
        Rope rope = new Rope(invFreq, c.ropeStyle(), batch.positions());
        int rows = T;  // rows of h still needed: all of them, until the last layer keeps only the sampled ones

        for (int l = 0; l < c.nLayers(); l++) {
            LayerWeights lw = w.layers().get(l);
            for (int t = 0; t < T; t++) Ops.rmsNorm(h, t * dim, lw.attentionNorm(), c.normEps(), x, t * dim, dim);
            Kernels.matmul(lw.wq(), x, T, q, pool);
            Kernels.matmul(lw.wk(), x, T, k, pool);
            Kernels.matmul(lw.wv(), x, T, v, pool);
            for (int t = 0; t < T; t++) {
                rope.apply(q, t * qDim, c.nHeads(), t);
                rope.apply(k, t * kvDim, c.nKvHeads(), t);
                cache.write(l, cache.slot(batch.sequences()[t], batch.positions()[t]), k, t * kvDim, v, t * kvDim);
            }
            Attention.run(c, cache, l, batch, q, att, pool);
            Kernels.matmul(lw.wo(), att, T, o, pool);
            Ops.add(h, o, T * dim);
            if (l == c.nLayers() - 1) {
                h = Embedding.keepLogitRows(batch, h, dim);
                rows = batch.logitRows().length;
            }

            FeedForward.apply(lw, c.normEps(), h, rows, dim, hidden, x, gate, up, o, pool);
        }
        return Embedding.logits(h, rows, w.norm(), c.normEps(), w.output(), dim, pool);
    }
}
