package io.sirocco.engine.bench;

import io.sirocco.engine.KvCache;
import io.sirocco.model.Batch;
import io.sirocco.model.Mistral4Decoder;
import io.sirocco.model.Model;
import io.sirocco.model.SyntheticMistral4Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tokenizer.TekkenGgufVocabulary;
import io.sirocco.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * One pass of the Small 4 decode comparison (bench/small4/compare.sh): single-sequence decode tokens/s on a
 * Small-4-shaped {@code mistral4} GGUF and the weight bytes each token read ({@link Mistral4Decoder#weightReadsLastStep}),
 * printed as one JSON line; bench/small4/llama-decode.mjs measures llama.cpp the same way.
 *
 * <pre>java … io.sirocco.engine.bench.Small4DecodePass MODEL.gguf THREADS WARMUP STEPS
 * java … io.sirocco.engine.bench.Small4DecodePass --write MODEL.gguf LAYERS TYPE OUTPUT_TYPE TEKKEN_JSON</pre>
 */
public final class Small4DecodePass {
    private Small4DecodePass() {}

    /** The prompt both engines start from (Tekken ids: BOS and ordinary words). */
    static final int[] PROMPT = {1, 1784, 3937, 2135, 1044, 1278, 2027, 1321};

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--write")) {
            Path file = Path.of(args[1]).toAbsolutePath();
            var spec = SyntheticMistral4Model.Spec.mistralSmall4(Integer.parseInt(args[2]), GgmlType.valueOf(args[3]), GgmlType.valueOf(args[4]));
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "small4", ".tmp");
            SyntheticMistral4Model.write(tmp, spec, TekkenGgufVocabulary.of(Tokenizers.fromTekkenJson(Path.of(args[5]))));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        Path file = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]), warmup = Integer.parseInt(args[2]), steps = Integer.parseInt(args[3]);
        try (WorkerPool pool = new WorkerPool(threads); Model m = Model.load(file)) {
            if (!(m.decoder() instanceof Mistral4Decoder dec)) throw new IllegalArgumentException(file + " is not a mistral4 model");
            int total = PROMPT.length + warmup + steps + 1;
            KvCache cache = KvCache.forTokens(dec.cacheShape(), total);
            KvCache.SequenceKv seq = new KvCache.SequenceKv();
            cache.reserve(seq, total);
            dec.forward(Batch.ofSequence(PROMPT, 0, seq), cache, pool);
            int pos = PROMPT.length;
            for (int i = 0; i < warmup; i++) dec.forward(Batch.ofSequence(new int[] {1784 + i}, pos++, seq), cache, pool);
            long bytes = 0, t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                dec.forward(Batch.ofSequence(new int[] {1784 + 7 * i}, pos++, seq), cache, pool);
                bytes += dec.bytesReadLastStep();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            var r = dec.weightReadsLastStep();
            System.err.printf(Locale.ROOT, "  sirocco t=%d: %.2f tok/s, %.1f MB weights/token%n", threads, steps / s, bytes / 1e6 / steps);
            System.out.printf(Locale.ROOT, "{\"engine\":\"sirocco\",\"threads\":%d,\"tps\":%.4f,\"bytes_per_token\":%d,\"parts\":{\"embeddings\":%d,"
                            + "\"attention\":%d,\"router\":%d,\"routed_experts\":%d,\"routed_experts_read\":%d,\"shared_experts\":%d,\"output\":%d}}%n",
                    threads, steps / s, bytes / steps, r.embeddings(), r.attention(), r.router(), r.routedExperts(), r.routedExpertsRead(),
                    r.sharedExperts(), r.output());
        }
    }
}
