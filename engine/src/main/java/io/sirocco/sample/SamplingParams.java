package io.sirocco.sample;

import java.util.Set;

/**
 * How the next token is chosen. temperature 0 means greedy (argmax; ties go to the lowest id).
 *
 * @param topK              keep the k most likely tokens; 0 or negative = off
 * @param topP              nucleus mass in (0, 1]; 1 = off
 * @param minP              drop tokens below minP × p(top); 0 = off
 * @param seed              RNG seed; null = random
 * @param topLogprobs       how many alternatives to report per step (0 = only the chosen token's logprob)
 * @param presencePenalty   OpenAI: subtract once from tokens already generated
 * @param frequencyPenalty  OpenAI: subtract per occurrence in the generated tokens
 * @param repetitionPenalty vLLM/HF: divide positive / multiply negative logits of tokens seen in prompt or output; 1 = off
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, Long seed, int maxTokens, Set<Integer> stopTokenIds,
                             boolean ignoreEos, int topLogprobs, float presencePenalty, float frequencyPenalty, float repetitionPenalty) {

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be ≥ 0, got " + temperature);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        if (maxTokens < 0) throw new IllegalArgumentException("max_tokens must be ≥ 0, got " + maxTokens);
        if (topLogprobs < 0) throw new IllegalArgumentException("top_logprobs must be ≥ 0, got " + topLogprobs);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty))
            throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
        if (!(Math.abs(presencePenalty) <= 2)) throw new IllegalArgumentException("presence_penalty must be in [-2, 2], got " + presencePenalty);
        if (!(Math.abs(frequencyPenalty) <= 2)) throw new IllegalArgumentException("frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
        stopTokenIds = stopTokenIds == null ? Set.of() : Set.copyOf(stopTokenIds);
    }

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0f, 0, 1f, 0f, null, maxTokens, Set.of(), false, 0, 0f, 0f, 1f);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, seed, maxTokens, stopTokenIds, ignoreEos, topLogprobs, presencePenalty, frequencyPenalty, repetitionPenalty);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, seed, maxTokens, stopTokenIds, ignoreEos, topLogprobs, presencePenalty, frequencyPenalty, repetitionPenalty);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, minP, seed, maxTokens, stopTokenIds, ignoreEos, topLogprobs, presencePenalty, frequencyPenalty, repetitionPenalty);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(temperature, topK, topP, p, seed, maxTokens, stopTokenIds, ignoreEos, topLogprobs, presencePenalty, frequencyPenalty, repetitionPenalty);
    }

    public SamplingParams withSeed(Long s) {
        return new SamplingParams(temperature, topK, topP, minP, s, maxTokens, stopTokenIds, ignoreEos, topLogprobs, presencePenalty, frequencyPenalty, repetitionPenalty);
    }

    public SamplingParams withMaxTokens(int n) {
        return new SamplingParams(temperature, topK, topP, minP, seed, n, stopTokenIds, ignoreEos, topLogprobs, presencePenalty, frequencyPenalty, repetitionPenalty);
    }

    public SamplingParams withStopTokenIds(Set<Integer> ids) {
        return new SamplingParams(temperature, topK, topP, minP, seed, maxTokens, ids, ignoreEos, topLogprobs, presencePenalty, frequencyPenalty, repetitionPenalty);
    }

    public SamplingParams withIgnoreEos(boolean b) {
        return new SamplingParams(temperature, topK, topP, minP, seed, maxTokens, stopTokenIds, b, topLogprobs, presencePenalty, frequencyPenalty, repetitionPenalty);
    }

    public SamplingParams withTopLogprobs(int k) {
        return new SamplingParams(temperature, topK, topP, minP, seed, maxTokens, stopTokenIds, ignoreEos, k, presencePenalty, frequencyPenalty, repetitionPenalty);
    }

    public SamplingParams withPenalties(float presence, float frequency, float repetition) {
        return new SamplingParams(temperature, topK, topP, minP, seed, maxTokens, stopTokenIds, ignoreEos, topLogprobs, presence, frequency, repetition);
    }
}
