package io.sirocco.model;

import io.sirocco.tensor.Tensor;
import java.util.List;

/**
 * Mistral Small 4 weights. Matrices stay in the file ([out, in], rows contiguous); norms and the small per-head
 * latent up-projections are widened to float.
 *
 * @param tokEmbeddings (vocab, dim)
 * @param norm          (dim) final RMSNorm
 * @param output        (vocab, dim)
 */
public record Mistral4Weights(Tensor tokEmbeddings, List<Layer> layers, float[] norm, Tensor output) {

    /**
     * @param attentionNorm (dim)
     * @param wqA  (qLoraRank, dim) query down-projection     @param qANorm (qLoraRank)
     * @param wqB  (nHeads·(nope + rope), qLoraRank), per head [nope ‖ rope]
     * @param wkvA (kvLoraRank + rope, dim), rows [latent ‖ rope key]     @param kvANorm (kvLoraRank)
     * @param wUk  (nHeads, nope, kvLoraRank) the k_nope rows of wkv_b: k_nope[h] = wUk[h] · c
     * @param wUv  (nHeads, vHeadDim, kvLoraRank) the value rows of wkv_b: v[h] = wUv[h] · c
     * @param wo   (dim, nHeads·vHeadDim)
     * @param ffnNorm (dim)
     * @param router (numExperts, dim)
     * @param experts routed experts, views into the file (one tensor each, or row slices of stacked tensors)
     * @param shared the shared expert, or null
     */
    public record Layer(float[] attentionNorm, Tensor wqA, float[] qANorm, Tensor wqB, Tensor wkvA, float[] kvANorm,
                        float[] wUk, float[] wUv, Tensor wo, float[] ffnNorm, Tensor router, List<Expert> experts, Expert shared) {}

    /** A SwiGLU expert: w2 · (silu(w1 · x) ⊙ w3 · x); w1/w3 (hidden, dim), w2 (dim, hidden). */
    public record Expert(Tensor w1, Tensor w2, Tensor w3) {}
}
