package io.sirocco.engine.bench;

import io.sirocco.engine.BatchingEngine;
import io.sirocco.engine.EngineConfig;
import io.sirocco.engine.EngineListener;
import io.sirocco.engine.EngineRequest;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.RequestMetrics;
import io.sirocco.engine.Step;
import io.sirocco.model.Model;
import io.sirocco.model.SyntheticModel;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.SamplingParams;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tokenizer.TekkenGgufVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * End-to-end serving benchmark of the {@link BatchingEngine}: aggregate generation tokens/s with 1, 2, 4, 8, 16
 * concurrent streams, and time to first token on a long shared system prompt with and without a prefix-cache hit.
 *
 * <pre>java … io.sirocco.engine.bench.EngineBench [model.gguf] [--streams 1,2,4,8,16] [--tokens 32] [--prompt 32]
 *        [--system 2000] [--passes 3] [--threads N]</pre>
 * Without a model file it writes a synthetic Q8_0 model (dim 1024, 4 layers, ~70 MB) to the temp directory.
 * Reports medians over passes with their range: these machines are noisy.
 */
public final class EngineBench {
    private EngineBench() {}

    public static void main(String[] args) throws Exception {
        Path modelPath = null;
        int[] streams = {1, 2, 4, 8, 16};
        int tokens = 32, promptLen = 32, system = 2000, passes = 3, threads = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--streams" -> streams = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--prompt" -> promptLen = Integer.parseInt(args[++i]);
                case "--system" -> system = Integer.parseInt(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                default -> modelPath = Path.of(args[i]);
            }
        }
        if (modelPath == null) modelPath = syntheticModel();
        try (Model model = Model.load(modelPath); WorkerPool pool = new WorkerPool(threads)) {
            System.out.printf("model %s (%s), %d threads%n", modelPath.getFileName(), model.config(), threads);
            int maxStreams = Arrays.stream(streams).max().orElse(1);
            EngineConfig cfg = EngineConfig.defaults().withMaxNumSeqs(Math.max(16, maxStreams)).withMaxNumBatchedTokens(512)
                    .withKvMemoryBytes(512L << 20);
            System.out.printf("engine: %s%n", cfg);
            System.out.println("| streams | aggregate decode tok/s (median) | range | per stream |");
            System.out.println("|---:|---:|---|---:|");
            for (int n : streams) {
                double[] r = new double[passes];
                for (int p = 0; p < passes; p++) r[p] = throughput(model, pool, cfg, n, promptLen, tokens, 1000L * p + n);
                Arrays.sort(r);
                double med = r[passes / 2];
                System.out.printf("| %d | %.1f | %.1f–%.1f | %.1f |%n", n, med, r[0], r[passes - 1], med / n);
            }
            if (system > 0) ttft(model, pool, cfg, system, passes);
        }
    }

    /**
     * N requests submitted together. Returns decode-phase aggregate generation tokens/s: tokens emitted after every
     * stream has its first token, over the time from then to the last token (prefill excluded, like llama.cpp's
     * per-slot "eval" rate summed over slots).
     */
    static double throughput(Model model, WorkerPool pool, EngineConfig cfg, int n, int promptLen, int tokens, long seed) {
        int vocab = model.config().vocabSize();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (BatchingEngine engine = new BatchingEngine(model, pool, cfg.withPrefixCaching(false))) {
            warm(engine, vocab);
            long[] stamps = new long[n * tokens];   // time of every emitted token
            java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
            long[] first = new long[n];
            List<CompletableFuture<RequestMetrics>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int idx = i;
                done.add(submit(engine, randomPrompt(rnd, promptLen, vocab), tokens, () -> {
                    long now = System.nanoTime();
                    if (first[idx] == 0) first[idx] = now;
                    stamps[count.getAndIncrement()] = now;
                }));
            }
            for (var f : done) f.join();
            long start = Arrays.stream(first).max().orElseThrow(), end = 0;
            int after = 0;
            for (int i = 0; i < count.get(); i++) {
                if (stamps[i] > start) after++;
                end = Math.max(end, stamps[i]);
            }
            return after * 1e9 / Math.max(1, end - start);
        }
    }

    /** Time to first token of a request with a {@code system}-token shared prefix: cold, then with the prefix cached. */
    static void ttft(Model model, WorkerPool pool, EngineConfig cfg, int system, int passes) {
        int vocab = model.config().vocabSize();
        double[] miss = new double[passes], hit = new double[passes];
        int cached = 0;
        for (int p = 0; p < passes; p++) {
            SplittableRandom rnd = new SplittableRandom(p);
            int[] sys = randomPrompt(rnd, system, vocab);
            try (BatchingEngine engine = new BatchingEngine(model, pool, cfg)) {
                warm(engine, vocab);
                RequestMetrics a = submit(engine, concat(sys, randomPrompt(rnd, 16, vocab)), 1).join();
                RequestMetrics b = submit(engine, concat(sys, randomPrompt(rnd, 16, vocab)), 1).join();
                miss[p] = a.firstTokenNanos() / 1e6;
                hit[p] = b.firstTokenNanos() / 1e6;
                cached = b.cachedPromptTokens();
            }
        }
        Arrays.sort(miss);
        Arrays.sort(hit);
        System.out.printf("%nTTFT, %d-token shared system prompt + 16-token user turn (median, range over %d passes):%n", system, passes);
        System.out.printf("| prefix cache | TTFT ms | range |%n|---|---:|---|%n");
        System.out.printf("| miss | %.0f | %.0f–%.0f |%n", miss[passes / 2], miss[0], miss[passes - 1]);
        System.out.printf("| hit (%d tokens cached) | %.0f | %.0f–%.0f |%n", cached, hit[passes / 2], hit[0], hit[passes - 1]);
    }

    private static void warm(BatchingEngine engine, int vocab) {
        submit(engine, randomPrompt(new SplittableRandom(-1), 24, vocab), 4).join();
    }

    static CompletableFuture<RequestMetrics> submit(BatchingEngine engine, int[] prompt, int tokens) {
        return submit(engine, prompt, tokens, () -> {});
    }

    /** Listeners run on the engine thread, so {@code onToken} needs no synchronisation with other streams' callbacks. */
    static CompletableFuture<RequestMetrics> submit(BatchingEngine engine, int[] prompt, int tokens, Runnable onToken) {
        CompletableFuture<RequestMetrics> f = new CompletableFuture<>();
        SamplingParams sp = SamplingParams.greedy(tokens).withIgnoreEos(true);
        engine.submit(new EngineRequest("bench", prompt, sp), new EngineListener() {
            @Override
            public boolean onStep(Step step) {
                onToken.run();
                return true;
            }

            @Override
            public void onFinish(FinishReason reason, RequestMetrics metrics) {
                f.complete(metrics);
            }

            @Override
            public void onError(Throwable error) {
                f.completeExceptionally(error);
            }
        });
        return f;
    }

    static int[] randomPrompt(SplittableRandom rnd, int n, int vocab) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = 1000 + rnd.nextInt(vocab - 1000);
        return p;
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static Path syntheticModel() throws Exception {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "sirocco-bench-1024x4-q8_0.gguf");
        if (!Files.isRegularFile(file)) {
            var spec = new SyntheticModel.Spec("llama", 1024, 4, 16, 4, 64, 4096, 1e6, 32768, GgmlType.Q8_0, GgmlType.Q8_0, 7,
                    "synthetic bench model (random weights)", false);
            Path tmp = Files.createTempFile(file.getParent(), "bench", ".tmp");
            SyntheticModel.write(tmp, spec, TekkenGgufVocabulary.byteLevel(1000));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
