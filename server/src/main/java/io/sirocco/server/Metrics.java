package io.sirocco.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.sirocco.engine.Engine;
import io.sirocco.engine.RequestMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Prometheus metrics under vLLM's names and meanings (label {@code model_name}), so that dashboards and inference
 * gateways written for vLLM work unchanged. Bucket boundaries are vLLM v1's.
 */
final class Metrics {
    private static final double[] TTFT = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
            20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    private static final double[] ITL = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
            40.0, 80.0};
    private static final double[] LATENCY = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0,
            240.0, 480.0, 960.0, 1920.0, 7680.0};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final String model;
    private final Counter promptTokens;
    private final Counter generationTokens;
    private final Counter success;
    private final Histogram ttft;
    private final Histogram itl;
    private final Histogram tpot;
    private final Histogram e2e;
    private final Histogram queue;
    private final Histogram prefill;
    private final Histogram decode;
    private final Histogram requestPromptTokens;
    private final Histogram requestGenerationTokens;
    private final Histogram paramsN;
    private final Histogram paramsMaxTokens;

    Metrics(Engine engine, String modelName, int maxModelLen) {
        this.model = modelName;
        GaugeWithCallback.builder().name("vllm:num_requests_running").help("Number of requests in model execution batches.")
                .labelNames("model_name").callback(cb -> cb.call(engine.stats().running(), model)).register(registry);
        GaugeWithCallback.builder().name("vllm:num_requests_waiting").help("Number of requests waiting to be processed.")
                .labelNames("model_name").callback(cb -> cb.call(engine.stats().waiting(), model)).register(registry);
        GaugeWithCallback.builder().name("vllm:kv_cache_usage_perc").help("KV-cache usage. 1 means 100 percent usage.")
                .labelNames("model_name").callback(cb -> cb.call(engine.stats().kvUsage(), model)).register(registry);
        CounterWithCallback.builder().name("vllm:num_preemptions").help("Cumulative number of preemptions from the engine.")
                .labelNames("model_name").callback(cb -> cb.call(engine.stats().preemptions(), model)).register(registry);
        CounterWithCallback.builder().name("vllm:prefix_cache_queries").help("Prefix cache queries, in terms of number of queried tokens.")
                .labelNames("model_name").callback(cb -> cb.call(engine.stats().prefixQueries(), model)).register(registry);
        CounterWithCallback.builder().name("vllm:prefix_cache_hits").help("Prefix cache hits, in terms of number of cached tokens.")
                .labelNames("model_name").callback(cb -> cb.call(engine.stats().prefixHits(), model)).register(registry);
        promptTokens = counter("vllm:prompt_tokens", "Number of prefill tokens processed.");
        generationTokens = counter("vllm:generation_tokens", "Number of generation tokens processed.");
        success = Counter.builder().name("vllm:request_success").help("Count of successfully processed requests.")
                .labelNames("model_name", "finished_reason").register(registry);
        ttft = histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TTFT);
        itl = histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", ITL);
        tpot = histogram("vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds (deprecated name).", ITL);
        e2e = histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", LATENCY);
        queue = histogram("vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", LATENCY);
        prefill = histogram("vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", LATENCY);
        decode = histogram("vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", LATENCY);
        double[] lens = oneTwoFive(Math.max(1, maxModelLen));
        requestPromptTokens = histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", lens);
        requestGenerationTokens = histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", lens);
        paramsN = histogram("vllm:request_params_n", "Histogram of the n request parameter.", new double[] {1, 2, 5, 10, 20});
        paramsMaxTokens = histogram("vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", lens);
    }

    /** A request was admitted (once per HTTP request, before its choices run). */
    void requestParams(int n, int maxTokens) {
        paramsN.labelValues(model).observe(n);
        paramsMaxTokens.labelValues(model).observe(maxTokens);
    }

    void interTokenLatency(double seconds) {
        itl.labelValues(model).observe(seconds);
        tpot.labelValues(model).observe(seconds);
    }

    /** One sequence (choice) ended. */
    void finished(String finishReason, RequestMetrics m, double e2eSeconds) {
        promptTokens.labelValues(model).inc(m.promptTokens());
        generationTokens.labelValues(model).inc(m.generatedTokens());
        success.labelValues(model, finishReason).inc();
        if (m.generatedTokens() > 0) ttft.labelValues(model).observe((m.queueNanos() + m.firstTokenNanos()) / 1e9);
        e2e.labelValues(model).observe(e2eSeconds);
        queue.labelValues(model).observe(m.queueNanos() / 1e9);
        prefill.labelValues(model).observe(m.prefillNanos() / 1e9);
        decode.labelValues(model).observe(m.decodeNanos() / 1e9);
        requestPromptTokens.labelValues(model).observe(m.promptTokens());
        requestGenerationTokens.labelValues(model).observe(m.generatedTokens());
    }

    /** The Prometheus text exposition format (version 0.0.4). */
    String scrape() {
        var out = new ByteArrayOutputStream();
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private Counter counter(String name, String help) {
        return Counter.builder().name(name).help(help).labelNames("model_name").register(registry);
    }

    private Histogram histogram(String name, String help, double[] buckets) {
        return Histogram.builder().name(name).help(help).labelNames("model_name").classicOnly().classicUpperBounds(buckets).register(registry);
    }

    /** vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, ... up to max. */
    static double[] oneTwoFive(int max) {
        List<Double> b = new ArrayList<>();
        for (long exp = 1; ; exp *= 10) {
            for (int m : new int[] {1, 2, 5}) {
                long v = m * exp;
                if (v > max) return b.stream().mapToDouble(Double::doubleValue).toArray();
                b.add((double) v);
            }
        }
    }
}
