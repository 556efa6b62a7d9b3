package io.sirocco.model;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.testing.TestData;
import io.sirocco.tokenizer.TekkenGgufVocabulary;
import io.sirocco.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Decode speed of the MLA + MoE path on a Small-4-shaped synthetic model (real layer shapes, few layers). Not a unit
 * test: run with {@code -Dsirocco.bench=true} (options: {@code -Dbench.layers=2 -Dbench.type=Q4_0 -Dbench.steps=32
 * -Dbench.dir=/tmp}). The model file is written once and reused.
 */
@EnabledIfSystemProperty(named = "sirocco.bench", matches = "true")
class Mistral4DecodeBench {

    @Test
    void decode() {
        int layers = Integer.getInteger("bench.layers", 2), steps = Integer.getInteger("bench.steps", 32);
        GgmlType type = GgmlType.valueOf(System.getProperty("bench.type", "Q4_0"));
        Path file = Path.of(System.getProperty("bench.dir", "/tmp"), "sirocco-small4-" + layers + "l-" + type + ".gguf");
        if (!Files.exists(file)) {
            long t0 = System.nanoTime();
            SyntheticMistral4Model.write(file, SyntheticMistral4Model.Spec.mistralSmall4(layers, type, GgmlType.Q6_K),
                    TekkenGgufVocabulary.of(Tokenizers.fromTekkenJson(TestData.file("tekken/tekken.json"))));
            System.out.printf("wrote %s in %.1f s%n", file, (System.nanoTime() - t0) / 1e9);
        }
        int threads = Integer.getInteger("bench.threads", Runtime.getRuntime().availableProcessors());
        try (WorkerPool pool = new WorkerPool(threads); Model m = Model.load(file)) {
            Mistral4Decoder dec = (Mistral4Decoder) m.decoder();
            int[] prompt = {1, 1784, 3937, 2135, 1044, 1278, 2027, 1321};
            KvCache cache = KvCache.forTokens(dec.cacheShape(), prompt.length + 2 * steps + 1);
            KvCache.SequenceKv seq = new KvCache.SequenceKv();
            cache.reserve(seq, prompt.length + 2 * steps + 1);
            dec.forward(Batch.ofSequence(prompt, 0, seq), cache, pool);
            int pos = prompt.length, token = 1784;
            for (int i = 0; i < steps; i++) dec.forward(Batch.ofSequence(new int[] {token + i}, pos++, seq), cache, pool);  // warm-up
            long bytes = 0, t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                dec.forward(Batch.ofSequence(new int[] {token + 7 * i}, pos++, seq), cache, pool);
                bytes += dec.bytesReadLastStep();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            if (Boolean.getBoolean("bench.parts")) parts(dec, pool);
            var r = dec.weightReadsLastStep();
            System.out.printf("%s, %d threads: %.2f tok/s, %.1f ms/token, %.1f MB weights/token (%.2f GB/s); last step: embeddings %.2f, "
                            + "attention %.1f, router %.2f, routed experts %.1f (%d), shared %.1f, output %.1f MB%n",
                    file.getFileName(), threads, steps / s, 1000 * s / steps, bytes / 1e6 / steps, bytes / 1e9 / s,
                    r.embeddings() / 1e6, r.attention() / 1e6, r.router() / 1e6, r.routedExperts() / 1e6, r.routedExpertsRead(),
                    r.sharedExperts() / 1e6, r.output() / 1e6);
        }
    }

    /** Time of the big matrix-vector products alone (one token), to see where a step goes. */
    private static void parts(Mistral4Decoder dec, WorkerPool pool) {
        Mistral4Weights w = dec.weights();
        var lw = w.layers().getFirst();
        float[] x = new float[4096], big = new float[(int) w.output().rows()], y = new float[4096];
        java.util.Arrays.fill(x, 0.01f);
        Runnable[] runs = {
            () -> io.sirocco.tensor.kernel.Kernels.matmul(w.output(), x, 1, big, pool),
            () -> { for (int e = 0; e < 4; e++) { var ex = lw.experts().get(e); io.sirocco.tensor.kernel.Kernels.matmul(ex.w1(), x, 1, y, pool);
                    io.sirocco.tensor.kernel.Kernels.matmul(ex.w3(), x, 1, y, pool); io.sirocco.tensor.kernel.Kernels.matmul(ex.w2(), y, 1, x, pool); } },
            () -> { io.sirocco.tensor.kernel.Kernels.matmul(lw.wqA(), x, 1, y, pool); io.sirocco.tensor.kernel.Kernels.matmul(lw.wo(), x, 1, y, pool); },
        };
        String[] names = {"output (Q6_K 131072x4096)", "4 experts", "wq_a + wo"};
        for (int i = 0; i < runs.length; i++) {
            for (int k = 0; k < 3; k++) runs[i].run();
            long t0 = System.nanoTime();
            for (int k = 0; k < 10; k++) runs[i].run();
            System.out.printf("  %s: %.2f ms%n", names[i], (System.nanoTime() - t0) / 1e6 / 10);
        }
    }
}
