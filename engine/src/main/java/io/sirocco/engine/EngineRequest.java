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
 */
public record EngineRequest(String id, int[] promptTokens, List<PromptEmbeddings> embeddings, SamplingParams sampling,
                            LogitsProcessor logitsProcessor) {

    public EngineRequest {
        embeddings = embeddings == null ? List.of() : List.copyOf(embeddings);
        if (promptTokens.length == 0) throw new IllegalArgumentException("the prompt has no tokens");
    }

    public EngineRequest(String id, int[] promptTokens, SamplingParams sampling) {
        this(id, promptTokens, List.of(), sampling, null);
    }
}
