package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.kernel.Kernels;

/**
 * The dense Llama/Mistral decoder (spec §1.5), run on a batch of tokens from any number of sequences.
 * Reads top to bottom in the order of the math; buffers carry their shapes, T = tokens in the batch.
 */
public final class MistralDecoder {
    private final ModelConfig c;
    private final DecoderWeights w;
    private final double[] invFreq;

    public MistralDecoder(ModelConfig config, DecoderWeights weights) {
        this.c = config;
        this.w = weights;
        this.invFreq = Rope.inverseFrequencies(config.ropeTheta(), config.headDim());
    }

    public ModelConfig config() {
        return c;
    }

    /** Rows of the output projection: the number of logits per sampled token. */
    public long outputRows() {
        return w.output().rows();
    }

    public DecoderWeights weights() {
        return w;
    }

    /** Runs the batch, writing its keys/values into the cache; returns logits (logitRows.length, vocab). */
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

        embed(batch, h);
        Rope rope = new Rope(invFreq, c.ropeStyle(), batch.positions());

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

            for (int t = 0; t < T; t++) Ops.rmsNorm(h, t * dim, lw.ffnNorm(), c.normEps(), x, t * dim, dim);
            Kernels.matmul(lw.w1(), x, T, gate, pool);
            Kernels.matmul(lw.w3(), x, T, up, pool);
            Ops.swiglu(gate, up, T * hidden);
            Kernels.matmul(lw.w2(), gate, T, o, pool);
            Ops.add(h, o, T * dim);
        }
        return logits(batch, h, pool);
    }

    /** h[t] = tok_embeddings[token t], or the batch's replacement row (image features). */
    private void embed(Batch batch, float[] h) {
        int dim = c.dim();
        for (int t = 0; t < batch.size(); t++) {
            float[] row = batch.embeddings() == null ? null : batch.embeddings()[t];
            if (row != null) System.arraycopy(row, 0, h, t * dim, dim);
            else {
                int id = batch.tokens()[t];
                if (id < 0 || id >= w.tokEmbeddings().rows())
                    throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + w.tokEmbeddings().rows());
                Kernels.dequantizeRow(w.tokEmbeddings(), id, h, t * dim);
            }
        }
    }

    /** Final norm and output projection, only for the rows that are sampled (skipping the rest saves a vocab×dim pass). */
    private float[] logits(Batch batch, float[] h, WorkerPool pool) {
        int dim = c.dim(), n = batch.logitRows().length;
        float[] x = new float[n * dim];  // (n, dim)
        for (int i = 0; i < n; i++) Ops.rmsNorm(h, batch.logitRows()[i] * dim, w.norm(), c.normEps(), x, i * dim, dim);
        float[] out = new float[(int) (n * w.output().rows())];  // (n, vocab)
        Kernels.matmul(w.output(), x, n, out, pool);
        return out;
    }
}
