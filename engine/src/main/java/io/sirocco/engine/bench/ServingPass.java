package io.sirocco.engine.bench;

import io.sirocco.engine.BatchingEngine;
import io.sirocco.engine.EngineConfig;
import io.sirocco.engine.RequestMetrics;
import io.sirocco.model.Model;
import io.sirocco.model.SyntheticModel;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tokenizer.TekkenGgufVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One pass of the serving comparison (bench/serving/compare.sh): the same measurements as
 * bench/serving/llama-serving.mjs makes on llama.cpp, printed as one JSON line so passes of the two engines can
 * alternate in separate processes.
 *
 * <pre>java … io.sirocco.engine.bench.ServingPass MODEL.gguf THREADS STREAMS(1,2,4,8,16) PROMPT TOKENS SYSTEM SEED
 * java … io.sirocco.engine.bench.ServingPass --write MODEL.gguf DIM LAYERS TYPE</pre>
 * Aggregate tok/s is decode-phase (tokens after every stream has its first one, over the time to the last token),
 * as in {@link EngineBench#throughput}; TTFT miss is a 2,000-token system prompt + 16-token user turn into an empty
 * cache, TTFT hit the same system prompt with another user turn right after.
 */
public final class ServingPass {
    private ServingPass() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--write")) {
            write(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), GgmlType.valueOf(args[4]));
            return;
        }
        Path modelPath = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int[] streams = Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray();
        int promptLen = Integer.parseInt(args[3]), tokens = Integer.parseInt(args[4]), system = Integer.parseInt(args[5]);
        long seed = Long.parseLong(args[6]);
        try (Model model = Model.load(modelPath); WorkerPool pool = new WorkerPool(threads)) {
            int maxStreams = Arrays.stream(streams).max().orElse(1);
            // llama.cpp side: one context of maxStreams sequences, batch 512, f16 KV: the same limits here.
            EngineConfig cfg = EngineConfig.defaults().withMaxNumSeqs(Math.max(16, maxStreams)).withMaxNumBatchedTokens(512)
                    .withKvMemoryBytes(512L << 20);
            EngineBench.throughput(model, pool, cfg, 4, promptLen, 16, seed - 1);  // JIT warm-up, not reported
            StringBuilder json = new StringBuilder("{\"engine\":\"sirocco\",\"threads\":" + threads + ",\"throughput\":[");
            for (int i = 0; i < streams.length; i++) {
                double tps = EngineBench.throughput(model, pool, cfg, streams[i], promptLen, tokens, seed + streams[i]);
                json.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "{\"streams\":%d,\"tps\":%.3f}", streams[i], tps));
                System.err.printf(Locale.ROOT, "  sirocco %2d streams: %.1f tok/s%n", streams[i], tps);
            }
            json.append("]");
            if (system > 0) {
                int vocab = model.config().vocabSize();
                SplittableRandom rnd = new SplittableRandom(seed);
                int[] sys = EngineBench.randomPrompt(rnd, system, vocab);
                try (BatchingEngine engine = new BatchingEngine(model, pool, cfg)) {
                    EngineBench.submit(engine, EngineBench.randomPrompt(new SplittableRandom(-1), 24, vocab), 4).join();
                    RequestMetrics miss = EngineBench.submit(engine, EngineBench.concat(sys, EngineBench.randomPrompt(rnd, 16, vocab)), 1).join();
                    RequestMetrics hit = EngineBench.submit(engine, EngineBench.concat(sys, EngineBench.randomPrompt(rnd, 16, vocab)), 1).join();
                    json.append(String.format(Locale.ROOT, ",\"ttft_miss_ms\":%.1f,\"ttft_hit_ms\":%.1f,\"cached_tokens\":%d",
                            miss.firstTokenNanos() / 1e6, hit.firstTokenNanos() / 1e6, hit.cachedPromptTokens()));
                    System.err.printf(Locale.ROOT, "  sirocco TTFT miss %.0f ms, hit %.0f ms (%d cached)%n",
                            miss.firstTokenNanos() / 1e6, hit.firstTokenNanos() / 1e6, hit.cachedPromptTokens());
                }
            }
            System.out.println(json.append("}"));
        }
    }

    /** A dense Mistral-shaped bench model: heads of 64, 4 KV heads, FFN 4×dim, byte-level Tekken vocabulary. */
    static void write(Path file, int dim, int layers, GgmlType type) throws Exception {
        var spec = new SyntheticModel.Spec("llama", dim, layers, dim / 64, 4, 64, 4 * dim, 1e6, 32768, type, type, 7,
                "synthetic serving bench model (random weights)", false);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "bench", ".tmp");
        SyntheticModel.write(tmp, spec, TekkenGgufVocabulary.byteLevel(1000));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
