package io.sirocco.engine;

import io.sirocco.sample.LogitsProcessor;
import io.sirocco.sample.SamplingParams;
import java.util.List;

/**
 * One sequence to generate.
 *
 * @param id              caller's id (for logs and metrics)
 * @param promptTokens    the full prompt, BOS included
 * @param embeddings      image features spliced into the prompt (empty for text)
 * @param sampling        sampling parameters (max tokens, stop ids, logprobs, ...)
 * @param logitsProcessor grammar mask or null
 * @param promptLogprobs  -1: none; k ≥ 0: report every prompt token's logprob with its top k alternatives
 *                        ({@link EngineListener#onPromptLogprobs}). Every prompt row's logits are then computed, and the
 *                        prompt does not reuse the prefix cache (its cached rows have no logits), as in vLLM.
 */
public record EngineRequest(String id, int[] promptTokens, List<PromptEmbeddings> embeddings, SamplingParams sampling,
                            LogitsProcessor logitsProcessor, int promptLogprobs) {

    public EngineRequest {
        embeddings = embeddings == null ? List.of() : List.copyOf(embeddings);
        if (promptTokens.length == 0) throw new IllegalArgumentException("the prompt has no tokens");
        if (promptLogprobs < -1) throw new IllegalArgumentException("promptLogprobs must be -1 (off) or ≥ 0, got " + promptLogprobs);
    }

    public EngineRequest(String id, int[] promptTokens, List<PromptEmbeddings> embeddings, SamplingParams sampling,
                         LogitsProcessor logitsProcessor) {
        this(id, promptTokens, embeddings, sampling, logitsProcessor, -1);
    }

    public EngineRequest(String id, int[] promptTokens, SamplingParams sampling) {
        this(id, promptTokens, List.of(), sampling, null, -1);
    }

    /** The same request, reporting prompt logprobs with {@code k} alternatives (-1 = off). */
    public EngineRequest withPromptLogprobs(int k) {
        return new EngineRequest(id, promptTokens, embeddings, sampling, logitsProcessor, k);
    }
}
