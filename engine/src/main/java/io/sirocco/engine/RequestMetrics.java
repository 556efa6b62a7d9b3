package io.sirocco.engine;

/**
 * What one request cost, for usage and /metrics.
 *
 * @param cachedPromptTokens prompt tokens served from the prefix cache
 */
public record RequestMetrics(int promptTokens, int cachedPromptTokens, int generatedTokens, long queueNanos, long prefillNanos,
                             long decodeNanos, long firstTokenNanos) {}
