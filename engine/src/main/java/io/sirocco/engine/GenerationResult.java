package io.sirocco.engine;

import java.util.List;

/**
 * A finished generation: the ids, per-step logprobs, why it ended, and how long prefill and decode took.
 * {@code promptLogprobs} is empty unless the request asked for them (then entry i is for prompt token i + 1).
 */
public record GenerationResult(int[] promptIds, List<PromptLogprob> promptLogprobs, List<Step> steps, FinishReason finishReason,
                               long prefillNanos, long decodeNanos) {

    public GenerationResult(int[] promptIds, List<Step> steps, FinishReason finishReason, long prefillNanos, long decodeNanos) {
        this(promptIds, List.of(), steps, finishReason, prefillNanos, decodeNanos);
    }

    public int[] ids() {
        return steps.stream().mapToInt(Step::id).toArray();
    }

    public double prefillTokensPerSecond() {
        return prefillNanos == 0 ? 0 : promptIds.length * 1e9 / prefillNanos;
    }

    /** Decode speed over the tokens after the first (the first comes out of prefill). */
    public double decodeTokensPerSecond() {
        return decodeNanos == 0 || steps.size() < 2 ? 0 : (steps.size() - 1) * 1e9 / decodeNanos;
    }
}
