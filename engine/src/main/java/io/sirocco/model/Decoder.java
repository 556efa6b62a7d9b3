package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.Tensor;
import java.util.List;

/** A decoder-only language model run on batches of tokens over a paged KV cache (dense Mistral, Mistral Small 4). */
public interface Decoder {

    ModelConfig config();

    /** Rows of the output projection: the number of logits per sampled token. */
    long outputRows();

    /** What this decoder keeps per position and layer; caches passed to {@link #forward} must have this shape. */
    KvCache.Shape cacheShape();

    /**
     * The weight matrices one decode step multiplies by, in the order it does: what a background job may repack
     * ahead of decode ({@link io.sirocco.tensor.kernel.BackgroundRepack}). Embedding tables used for row lookups only
     * are not in it.
     */
    default List<Tensor> decodeMatrices() {
        return List.of();
    }

    /** Runs the batch, writing its entries into the cache; returns logits (logitRows.length, vocab). */
    float[] forward(Batch batch, KvCache cache, WorkerPool pool);
}
