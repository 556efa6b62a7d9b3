package io.sirocco.engine;

import io.sirocco.sample.Logprobs;

/**
 * The logprob of one prompt token given the tokens before it (log-softmax of the raw logits over the whole vocabulary,
 * as vLLM's prompt_logprobs), its rank (1 = the most likely token) and the top alternatives, best first.
 */
public record PromptLogprob(int id, float logprob, int rank, int[] topIds, float[] topLogprobs) {

    /**
     * Prompt rows one forward step computes logits for when a request asks for prompt logprobs: each row costs a
     * vocabulary of floats (131072 × 4 bytes for Mistral Small), so such prompts are prefilled in chunks of this size.
     */
    public static final int MAX_ROWS_PER_STEP = 128;

    /** From logits[off..off+vocab), the row that predicts {@code id}, with the top {@code k} alternatives. */
    public static PromptLogprob of(float[] logits, int off, int vocab, int id, int k) {
        double lse = Logprobs.logSumExp(logits, off, vocab);
        float v = logits[off + id];
        int rank = 1;
        for (int i = 0; i < vocab; i++) if (logits[off + i] > v) rank++;
        int[] top = Logprobs.topK(logits, off, vocab, k);
        float[] topLp = new float[top.length];
        for (int i = 0; i < top.length; i++) topLp[i] = (float) (logits[off + top[i]] - lse);
        return new PromptLogprob(id, (float) (v - lse), rank, top, topLp);
    }
}
