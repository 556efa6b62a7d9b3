package io.sirocco.model;

/**
 * The Mistral Small 4 part of a config (spec §5.2): multi-head latent attention, mixture of experts, YaRN RoPE
 * frequencies and the Llama-4 query scale. Field names follow params.json.
 */
public record Mistral4Params(Mla mla, Moe moe, Yarn yarn, Llama4Scaling llama4Scaling) {

    public Mistral4Params {
        if (mla == null || moe == null || yarn == null)
            throw new IllegalArgumentException("Mistral 4 config needs the MLA, MoE and YaRN parts");
    }

    /**
     * @param qLoraRank    query down-projection width (wq_a rows)
     * @param kvLoraRank   latent width: what the KV cache stores per token, with the rope key
     * @param qkNopeHeadDim per-head query/key lanes without RoPE
     * @param qkRopeHeadDim per-head lanes with RoPE; one rope key per token shared by all heads
     * @param vHeadDim     per-head value width
     */
    public record Mla(int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim) {
        public Mla {
            if (qLoraRank <= 0 || kvLoraRank <= 0 || qkNopeHeadDim <= 0 || qkRopeHeadDim <= 0 || vHeadDim <= 0)
                throw new IllegalArgumentException("MLA dimensions must be positive: " + qLoraRank + ", " + kvLoraRank + ", "
                        + qkNopeHeadDim + ", " + qkRopeHeadDim + ", " + vHeadDim);
            if (qkRopeHeadDim % 2 != 0) throw new IllegalArgumentException("qk_rope_head_dim must be even: " + qkRopeHeadDim);
        }

        /** Query/key head width: nope + rope lanes. */
        public int qkHeadDim() {
            return qkNopeHeadDim + qkRopeHeadDim;
        }
    }

    /**
     * @param normalizeTopK divide the chosen experts' router probabilities by their sum (Mistral 4: true)
     * @param routedScale   factor on the routed experts' sum
     * @param firstKDense   leading layers with a dense FFN instead (Mistral 4: 0; others are not supported)
     */
    public record Moe(int numExperts, int expertsPerToken, int expertHiddenDim, int numSharedExperts, double routedScale,
                      boolean normalizeTopK, int firstKDense) {
        public Moe {
            if (numExperts <= 0 || expertsPerToken <= 0 || expertsPerToken > numExperts || expertHiddenDim <= 0)
                throw new IllegalArgumentException("bad MoE sizes: " + numExperts + " experts, " + expertsPerToken + " per token, hidden "
                        + expertHiddenDim);
            if (numSharedExperts < 0 || numSharedExperts > 1)
                throw new IllegalArgumentException("only 0 or 1 shared experts are supported, got " + numSharedExperts);
            if (firstKDense != 0) throw new IllegalArgumentException("leading dense layers (first_k_dense_replace " + firstKDense + ") are not supported");
        }
    }

    /**
     * YaRN frequency blend; {@code betaFast}/{@code betaSlow} are params.json's {@code beta}/{@code alpha}. Mistral 4
     * has {@code apply_scale} false: no magnitude factor on cos/sin or the scores.
     */
    public record Yarn(double factor, int originalMaxPositions, double betaFast, double betaSlow) {
        public Yarn {
            if (!(factor >= 1) || originalMaxPositions <= 0)
                throw new IllegalArgumentException("bad YaRN parameters: factor " + factor + ", original context " + originalMaxPositions);
        }
    }

    /** Llama-4 query scale 1 + beta·ln(1 + floor(pos / originalMaxPositions)) at the query's position. */
    public record Llama4Scaling(double beta, int originalMaxPositions) {
        public Llama4Scaling {
            if (originalMaxPositions <= 0) throw new IllegalArgumentException("llama_4_scaling needs a positive original context");
        }

        public double scale(int position) {
            return 1 + beta * Math.log1p(Math.floorDiv(position, originalMaxPositions));
        }
    }
}
