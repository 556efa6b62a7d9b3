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

    /**
     * After the last layer's attention only the rows that give logits matter: the last feed-forward, the final norm and
     * the output projection run on those alone (as llama.cpp does). Returns them packed, (logitRows.length, dim).
     */
    static float[] keepLogitRows(Batch batch, float[] h, int dim) {
        int[] keep = batch.logitRows();
        float[] kept = new float[Math.max(1, keep.length) * dim];
        for (int i = 0; i < keep.length; i++) System.arraycopy(h, keep[i] * dim, kept, i * dim, dim);
        return kept;
    }

    /** Final norm and output projection of the first {@code n} rows of {@code h} (n, dim) → (n, vocab). */
    static float[] logits(float[] h, int n, float[] norm, float eps, Tensor output, int dim, WorkerPool pool) {
        float[] x = new float[n * dim];  // (n, dim)
        for (int i = 0; i < n; i++) Ops.rmsNorm(h, i * dim, norm, eps, x, i * dim, dim);
        float[] out = new float[(int) (n * output.rows())];  // (n, vocab)
        Kernels.matmul(output, x, n, out, pool);
        return out;
    }
}
