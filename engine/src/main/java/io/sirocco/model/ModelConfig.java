package io.sirocco.model;

/**
 * Hyper-parameters of a decoder, from params.json, config.json or GGUF metadata (see {@link ModelConfigs}).
 *
 * @param headDim      per-head width; independent of dim / nHeads (Small 3.2: 32 × 128 = 4096 ≠ 5120)
 * @param hiddenDim    SwiGLU width (w1/w3 rows)
 * @param contextLength the trained context (max_position_embeddings); 0 when the file does not say
 * @param mistral4     MLA/MoE/YaRN parameters of a {@link Architecture#MISTRAL4} model; null for dense ones
 */
public record ModelConfig(
        Architecture architecture,
        int dim,
        int nLayers,
        int nHeads,
        int nKvHeads,
        int headDim,
        int hiddenDim,
        int vocabSize,
        float normEps,
        double ropeTheta,
        RopeStyle ropeStyle,
        int contextLength,
        boolean tiedEmbeddings,
        int bosId,
        int eosId,
        Mistral4Params mistral4) {

    public ModelConfig {
        if (dim <= 0 || nLayers <= 0 || nHeads <= 0 || nKvHeads <= 0 || headDim <= 0 || hiddenDim <= 0 || vocabSize <= 0)
            throw new IllegalArgumentException("model dimensions must be positive: " + dimensions(dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, vocabSize));
        if (nHeads % nKvHeads != 0)
            throw new IllegalArgumentException("n_heads " + nHeads + " is not a multiple of n_kv_heads " + nKvHeads);
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even for RoPE: " + headDim);
        if ((architecture == Architecture.MISTRAL4) != (mistral4 != null))
            throw new IllegalArgumentException(architecture + " config " + (mistral4 == null ? "lacks" : "must not have") + " the Mistral 4 parameters");
    }

    /** A dense decoder's config. */
    public ModelConfig(Architecture architecture, int dim, int nLayers, int nHeads, int nKvHeads, int headDim, int hiddenDim, int vocabSize,
                       float normEps, double ropeTheta, RopeStyle ropeStyle, int contextLength, boolean tiedEmbeddings, int bosId, int eosId) {
        this(architecture, dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, vocabSize, normEps, ropeTheta, ropeStyle, contextLength,
                tiedEmbeddings, bosId, eosId, null);
    }

    private static String dimensions(int dim, int nLayers, int nHeads, int nKv, int headDim, int hidden, int vocab) {
        return "dim=" + dim + " n_layers=" + nLayers + " n_heads=" + nHeads + " n_kv_heads=" + nKv + " head_dim=" + headDim
                + " hidden_dim=" + hidden + " vocab=" + vocab;
    }

    /** Query width: nHeads × headDim. */
    public int qDim() {
        return nHeads * headDim;
    }

    /** Key/value width: nKvHeads × headDim. */
    public int kvDim() {
        return nKvHeads * headDim;
    }

    /** Query heads sharing one KV head. */
    public int gqaGroup() {
        return nHeads / nKvHeads;
    }

    public ModelConfig withRopeStyle(RopeStyle style) {
        return new ModelConfig(architecture, dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, vocabSize, normEps, ropeTheta, style,
                contextLength, tiedEmbeddings, bosId, eosId, mistral4);
    }

    public ModelConfig withVocabSize(int vocab) {
        return new ModelConfig(architecture, dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, vocab, normEps, ropeTheta, ropeStyle,
                contextLength, tiedEmbeddings, bosId, eosId, mistral4);
    }

    @Override
    public String toString() {
        return architecture + " " + dimensions(dim, nLayers, nHeads, nKvHeads, headDim, hiddenDim, vocabSize) + " norm_eps=" + normEps
                + " rope_theta=" + ropeTheta + " rope=" + ropeStyle + " context=" + contextLength + " tied=" + tiedEmbeddings
                + (mistral4 == null ? "" : " " + mistral4);
    }
}
