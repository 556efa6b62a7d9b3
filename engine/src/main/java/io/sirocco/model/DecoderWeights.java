package io.sirocco.model;

import io.sirocco.tensor.Tensor;
import java.util.List;

/**
 * @param tokEmbeddings (vocab, dim)
 * @param norm          (dim) final RMSNorm
 * @param output        (vocab, dim); the embedding matrix itself when embeddings are tied
 */
public record DecoderWeights(Tensor tokEmbeddings, List<LayerWeights> layers, float[] norm, Tensor output) {}
