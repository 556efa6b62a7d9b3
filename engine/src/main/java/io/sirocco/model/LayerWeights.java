package io.sirocco.model;

import io.sirocco.tensor.Tensor;

/**
 * One decoder layer of a dense Llama/Mistral model. Matrices stay in the file ([out, in], rows contiguous);
 * the two norm vectors are widened to float (a few KB).
 *
 * @param attentionNorm (dim)
 * @param wq (nHeads·headDim, dim)   @param wk (nKvHeads·headDim, dim)   @param wv (nKvHeads·headDim, dim)
 * @param wo (dim, nHeads·headDim)
 * @param ffnNorm (dim)
 * @param w1 gate (hiddenDim, dim)   @param w3 up (hiddenDim, dim)   @param w2 down (dim, hiddenDim)
 */
public record LayerWeights(float[] attentionNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                           float[] ffnNorm, Tensor w1, Tensor w2, Tensor w3) {}
