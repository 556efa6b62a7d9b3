package io.sirocco.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.engine.KvCache;
import io.sirocco.model.Batch;
import io.sirocco.model.Decoder;
import io.sirocco.model.Model;
import io.sirocco.model.SyntheticModel;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.SimdCheck;
import io.sirocco.tokenizer.TekkenGgufVocabulary;
import io.sirocco.tokenizer.TekkenTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Throughput as llama-bench measures it: pp = one batch of P prompt tokens into an empty cache, tg = N single-token
 * steps from an empty cache, each repeated R times (after a warm-up) and reported as mean ± stddev of tokens/s.
 * Decode is memory bound, so its rate is also given as the bandwidth it achieves (weights read per token · tokens/s)
 * next to the machine's own measured read bandwidth.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Prompt-processing and generation throughput (like llama-bench), with achieved and measured memory bandwidth.")
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL", description = "A model to bench (or use --synthetic).")
    Path model;

    @Option(names = "--synthetic", paramLabel = "SHAPE",
            description = "Bench a random-weight GGUF with real layer shapes: mistral-small-3.2 (written once to --cache-dir).")
    String synthetic;

    @Option(names = "--layers", defaultValue = "2", description = "Layers of the synthetic model (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--dtype", defaultValue = "Q4_0", description = "Synthetic model tensor type: Q4_0, Q8_0, Q4_K_M, Q5_K_M, BF16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tekken.json whose vocabulary the synthetic model carries (default: 131072 ids, byte-level with control tokens).")
    Path tokenizer;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where synthetic models are written (default: ~/.cache/sirocco/bench).")
    Path cacheDir;

    @Option(names = "--write-only", description = "Write the synthetic model, print its path and exit.")
    boolean writeOnly;

    @Option(names = {"-p", "--n-prompt"}, split = ",", defaultValue = "512", description = "Prompt lengths to test, 0 = none (default: ${DEFAULT-VALUE}).")
    int[] prompts;

    @Option(names = {"-n", "--n-gen"}, split = ",", defaultValue = "128", description = "Generation lengths to test, 0 = none (default: ${DEFAULT-VALUE}).")
    int[] gens;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "3", description = "Repetitions of each test (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = {"-t", "--threads"}, split = ",", description = "Thread counts to test (default: available processors).")
    int[] threads;

    @Mixin
    KernelOptions kernels;

    @Option(names = "--no-bandwidth", description = "Skip measuring the machine's read bandwidth.")
    boolean noBandwidth;

    @Option(names = "--json", description = "Print the results as one JSON object instead of a table.")
    boolean json;

    /** One test's timings. */
    record Result(int threads, String test, int tokens, double[] tokensPerSecond) {
        double mean() {
            double s = 0;
            for (double v : tokensPerSecond) s += v;
            return s / tokensPerSecond.length;
        }

        double stddev() {
            if (tokensPerSecond.length < 2) return 0;
            double m = mean(), s = 0;
            for (double v : tokensPerSecond) s += (v - m) * (v - m);
            return Math.sqrt(s / (tokensPerSecond.length - 1));
        }
    }

    @Override
    public Integer call() {
        kernels.apply();
        if ((model == null) == (synthetic == null)) throw new IllegalArgumentException("give exactly one of MODEL or --synthetic");
        if (reps < 1) throw new IllegalArgumentException("--repetitions must be at least 1");
        Path file = model != null ? model : syntheticFile();
        if (writeOnly) {
            System.out.println(file);
            return 0;
        }
        String simd = SimdCheck.warnIfNotCompiled();
        long t0 = System.nanoTime();
        List<Result> results = new ArrayList<>();
        double loadSeconds, repackSeconds, readGBs = Double.NaN;
        long weightBytes, macs, lastFfn, output;
        String describe;
        try (Model m = Model.load(file)) {
            loadSeconds = (System.nanoTime() - t0) / 1e9;
            weightBytes = bytesPerToken(m);
            macs = macs(m, "blk.");  // every layer matrix, per token
            lastFfn = macs(m, "blk." + (m.config().nLayers() - 1) + ".ffn");
            output = macs(m, "output.weight");
            describe = m.config().nLayers() + " layers, dim " + m.config().dim() + ", " + types(m);
            if (!json) System.err.printf(Locale.ROOT, "%s: %s, %.2f GB read per token, loaded in %.2f s%n", file, describe, weightBytes / 1e9, loadSeconds);
            // Timed runs start once the decode copies are built: the steady state, not the first seconds after load.
            var repack = m.repackForDecode();
            try {
                repackSeconds = repack.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
            if (!json && repack.matrices() > 0)
                System.err.printf(Locale.ROOT, "repacked %d matrices for decode in %.2f s (one background thread)%n", repack.matrices(), repackSeconds);
            int[] threadCounts = threads != null ? threads : new int[] {Runtime.getRuntime().availableProcessors()};
            for (int nt : threadCounts) {
                try (WorkerPool pool = new WorkerPool(nt)) {
                    warmUp(m, pool);
                    for (int p : prompts) if (p > 0) results.add(run(m, pool, "pp" + p, p, true));
                    for (int n : gens) if (n > 0) results.add(run(m, pool, "tg" + n, n, false));
                }
            }
            if (!noBandwidth) {
                try (WorkerPool pool = new WorkerPool(Math.max(1, max(threadCounts)))) {
                    readGBs = ReadBandwidth.measure(1L << 30, 5, pool);
                }
            }
        }
        if (json) printJson(file, describe, weightBytes, macs, lastFfn, output, loadSeconds, repackSeconds, readGBs, simd, results);
        else printTable(file, weightBytes, loadSeconds, repackSeconds, readGBs, results);
        return 0;
    }

    private Result run(Model m, WorkerPool pool, String test, int tokens, boolean prompt) {
        Decoder dec = m.decoder();
        int vocab = (int) dec.outputRows();
        KvCache cache = KvCache.forTokens(dec.cacheShape(), tokens + 1);
        SplittableRandom rnd = new SplittableRandom(7);
        double[] tps = new double[reps];
        for (int r = -1; r < reps; r++) {  // r = -1: warm-up (JIT, page cache), not counted
            KvCache.SequenceKv seq = new KvCache.SequenceKv();
            cache.reserve(seq, tokens + 1);
            // The prompt warm-up runs at full size: C2 compiles the prefill loops for the shapes it will time.
            int n = r < 0 && !prompt ? Math.min(tokens, 4) : tokens;
            long t = System.nanoTime();
            if (prompt) {
                int[] ids = new int[n];
                for (int i = 0; i < n; i++) ids[i] = rnd.nextInt(vocab);
                dec.forward(Batch.ofSequence(ids, 0, seq), cache, pool);
            } else {
                int id = 1;
                for (int i = 0; i < n; i++) {
                    float[] logits = dec.forward(Batch.ofSequence(new int[] {id}, i, seq), cache, pool);
                    id = argmax(logits);
                }
            }
            double s = (System.nanoTime() - t) / 1e9;
            if (r >= 0) tps[r] = n / s;
            cache.release(seq);
            if (!json && r >= 0) System.err.printf(Locale.ROOT, "  t=%d %s rep %d: %.2f t/s%n", pool.parallelism(), test, r + 1, n / s);
        }
        return new Result(pool.parallelism(), test, tokens, tps);
    }

    /**
     * Runs short prompt and decode steps until a decode step stops getting faster: the kernels must be compiled by C2
     * before timing, which on a loaded machine takes far longer than one short warm-up pass.
     */
    private void warmUp(Model m, WorkerPool pool) {
        Decoder dec = m.decoder();
        int promptLen = 112;  // 64 + 32 + 16: every token-panel width of the prefill matmul
        KvCache cache = KvCache.forTokens(dec.cacheShape(), promptLen + 8);
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 8; round++) {
            KvCache.SequenceKv seq = new KvCache.SequenceKv();
            cache.reserve(seq, promptLen + 8);
            int[] ids = new int[promptLen];
            java.util.Arrays.fill(ids, 1);
            dec.forward(Batch.ofSequence(ids, 0, seq), cache, pool);
            long t = System.nanoTime();
            for (int i = 0; i < 4; i++) {
                dec.forward(Batch.ofSequence(new int[] {1}, promptLen + i, seq), cache, pool);
                if (round == 0 && i == 0 && !json)  // the decode copies are built before this: what is left is the JIT
                    System.err.printf(Locale.ROOT, "first decode step at %d threads: %.2f s%n", pool.parallelism(), (System.nanoTime() - t) / 1e9);
            }
            double s = (System.nanoTime() - t) / 1e9;
            cache.release(seq);
            if (round >= 2 && s > 0.9 * best) break;
            best = Math.min(best, s);
        }
    }

    private static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** Bytes of weights one decode step reads: every tensor but the embedding table (of which it reads one row). */
    static long bytesPerToken(Model m) {
        long sum = 0;
        for (Tensor t : m.tensors()) if (!t.name().startsWith("token_embd")) sum += t.data().byteSize();
        return sum;
    }

    /** Multiply-adds per prompt token in the layers (the output projection runs once per batch, not per token). */
    /** Multiply-adds of tensors named {@code prefix}*: with the last layer's "blk.L-1.ffn" and "output.weight", the ones
     * a prompt runs only for its row that gives logits (as llama.cpp does). */
    static long macs(Model m, String prefix) {
        long sum = 0;
        for (Tensor t : m.tensors()) if (t.rank() == 2 && t.name().startsWith(prefix)) sum += t.elementCount();
        return sum;
    }

    private static String types(Model m) {
        Map<GgmlType, Long> bytes = new java.util.TreeMap<>();
        for (Tensor t : m.tensors()) bytes.merge(t.type(), t.data().byteSize(), Long::sum);
        StringBuilder sb = new StringBuilder();
        bytes.forEach((t, b) -> sb.append(sb.isEmpty() ? "" : " ").append(t).append(String.format(Locale.ROOT, ":%.2fGB", b / 1e9)));
        return sb.toString();
    }

    private void printTable(Path file, long weightBytes, double loadSeconds, double repackSeconds, double readGBs, List<Result> results) {
        System.out.printf("%nmodel: %s (%.2f GB read per decoded token), load %.2f s, decode copies built in %.2f s in the background%n%n",
                file.getFileName(), weightBytes / 1e9, loadSeconds, repackSeconds);
        System.out.println("| threads |   test |              t/s | decode GB/s |");
        System.out.println("| ------: | -----: | ---------------: | ----------: |");
        for (Result r : results) {
            String gbs = r.test().startsWith("tg") ? String.format(Locale.ROOT, "%.1f", r.mean() * weightBytes / 1e9) : "";
            System.out.printf(Locale.ROOT, "| %7d | %6s | %8.2f ± %5.2f | %11s |%n", r.threads(), r.test(), r.mean(), r.stddev(), gbs);
        }
        if (!Double.isNaN(readGBs)) {
            System.out.printf(Locale.ROOT, "%nmeasured read bandwidth: %.1f GB/s", readGBs);
            double bestTg = results.stream().filter(r -> r.test().startsWith("tg")).mapToDouble(Result::mean).max().orElse(0);
            if (bestTg > 0) System.out.printf(Locale.ROOT, "; best decode reaches %.0f%% of it", 100 * bestTg * weightBytes / 1e9 / readGBs);
            System.out.println();
        }
    }

    private void printJson(Path file, String describe, long weightBytes, long macs, long lastFfn, long output, double loadSeconds, double repackSeconds,
                           double readGBs, String simd, List<Result> results) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode o = om.createObjectNode();
        o.put("model", file.toString());
        o.put("describe", describe);
        o.put("bytes_per_token", weightBytes);
        o.put("layer_macs_per_token", macs);
        o.put("last_ffn_macs", lastFfn);
        o.put("output_macs", output);
        o.put("int8_prefill", kernels.int8Prefill);
        o.put("int8_decode", kernels.int8Decode);
        o.put("load_seconds", loadSeconds);
        o.put("repack_seconds", repackSeconds);
        if (!Double.isNaN(readGBs)) o.put("read_gbs", readGBs);
        o.put("simd", simd);
        ArrayNode arr = o.putArray("results");
        for (Result r : results) {
            ObjectNode ro = arr.addObject();
            ro.put("threads", r.threads());
            ro.put("test", r.test());
            ro.put("mean_tps", r.mean());
            ro.put("stddev_tps", r.stddev());
            ArrayNode samples = ro.putArray("samples_tps");
            for (double v : r.tokensPerSecond()) samples.add(v);
        }
        System.out.println(o.toString());
    }

    private static int max(int[] a) {
        int m = 0;
        for (int v : a) m = Math.max(m, v);
        return m;
    }

    /** The synthetic model's file, written on first use (atomically). */
    private Path syntheticFile() {
        if (!synthetic.equals("mistral-small-3.2"))
            throw new IllegalArgumentException("unknown synthetic shape '" + synthetic + "' (known: mistral-small-3.2)");
        if (layers < 1) throw new IllegalArgumentException("--layers must be at least 1");
        GgmlType matrix, output;
        switch (dtype.toUpperCase(Locale.ROOT)) {
            // Output and embedding types follow llama.cpp's quantize defaults for each file type.
            case "Q4_0" -> { matrix = GgmlType.Q4_0; output = GgmlType.Q6_K; }
            case "Q8_0" -> { matrix = GgmlType.Q8_0; output = GgmlType.Q8_0; }
            case "Q4_K_M" -> { matrix = GgmlType.Q4_K; output = GgmlType.Q6_K; }
            case "Q5_K_M" -> { matrix = GgmlType.Q5_K; output = GgmlType.Q6_K; }
            case "BF16" -> { matrix = GgmlType.BF16; output = GgmlType.BF16; }
            default -> throw new IllegalArgumentException("unknown --dtype '" + dtype + "' (known: Q4_0, Q8_0, Q4_K_M, Q5_K_M, BF16)");
        }
        Path dir = cacheDir != null ? cacheDir : io.sirocco.model.DemoModel.defaultDirectory().resolve("bench");
        String name = synthetic + "-L" + layers + "-" + dtype.toUpperCase(Locale.ROOT) + (tokenizer != null ? "-tekken" : "") + ".gguf";
        Path file = dir.resolve(name);
        if (Files.isRegularFile(file)) return file;
        try {
            Files.createDirectories(dir);
            Map<String, Object> vocab = tokenizer != null
                    ? TekkenGgufVocabulary.of(TekkenTokenizer.load(tokenizer))
                    : TekkenGgufVocabulary.byteLevel(131072 - 256);  // the real vocabulary size: 130816 control ids + 256 bytes
            System.err.println("writing " + file + " ...");
            Path tmp = Files.createTempFile(dir, "bench", ".tmp");
            SyntheticModel.write(tmp, SyntheticModel.Spec.mistralSmall32(layers, matrix, output), vocab);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the bench model in " + dir + ": " + e.getMessage(), e);
        }
    }
}
