package io.sirocco.engine;

/**
 * One generated token with its logprob (log-softmax of the raw logits over the whole vocabulary) and the top
 * alternatives, best first.
 */
public record Step(int id, float logprob, int[] topIds, float[] topLogprobs) {}
