package io.sirocco.engine;

/**
 * A snapshot of the engine's load for /metrics and routing (vLLM's names in parentheses).
 *
 * @param running       sequences being processed (num_requests_running)
 * @param waiting       sequences queued (num_requests_waiting)
 * @param kvUsage       fraction of KV blocks in use, 0..1 (kv_cache_usage_perc)
 * @param preemptions   sequences preempted so far (num_preemptions_total)
 * @param prefixQueries prompt tokens looked up in the prefix cache (prefix_cache_queries)
 * @param prefixHits    of those, tokens found (prefix_cache_hits)
 */
public record EngineStats(int running, int waiting, double kvUsage, long preemptions, long prefixQueries, long prefixHits) {}
