package io.sirocco.model;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.Kernels;

/** The two ends of a decoder: token embedding lookup and the final norm + output projection. */
final class Embedding {
    private Embedding() {}

    /** h[t] (dim) = tokEmbeddings[token t], or the batch's replacement row (image features). */
    static void embed(Batch batch, Tensor tokEmbeddings, int dim, float[] h) {
        for (int t = 0; t < batch.size(); t++) {
            float[] row = batch.embeddings() == null ? null : batch.embeddings()[t];
            if (row != null) System.arraycopy(row, 0, h, t * dim, dim);
            else {
                int id = batch.tokens()[t];
                if (id < 0 || id >= tokEmbeddings.rows())
                    throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + tokEmbeddings.rows());
                Kernels.dequantizeRow(tokEmbeddings, id, h, t * dim);
            }
        }
    }

    /** Final norm and output projection, only for the rows that are sampled (skipping the rest saves a vocab×dim pass). */
    static float[] logits(Batch batch, float[] h, float[] norm, float eps, Tensor output, int dim, WorkerPool pool) {
        int n = batch.logitRows().length;
        float[] x = new float[n * dim];  // (n, dim)
        for (int i = 0; i < n; i++) Ops.rmsNorm(h, batch.logitRows()[i] * dim, norm, eps, x, i * dim, dim);
        float[] out = new float[(int) (n * output.rows())];  // (n, vocab)
        Kernels.matmul(output, x, n, out, pool);
        return out;
    }
}
