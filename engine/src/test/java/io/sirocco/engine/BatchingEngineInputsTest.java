package io.sirocco.engine;

import static io.sirocco.engine.EngineOutputs.assertSame;
import static io.sirocco.engine.EngineOutputs.greedy;
import static io.sirocco.engine.EngineOutputs.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.LogitsProcessor;
import io.sirocco.sample.SamplingParams;
import io.sirocco.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Image embeddings (and their part in prefix hashing), seeded sampling and logits processors, batched vs serial. */
class BatchingEngineInputsTest {
    static WorkerPool pool;
    static Model model;
    static int vocab, dim;

    @BeforeAll
    static void load() {
        pool = new WorkerPool(2);
        model = Model.load(TestData.file("mistral-tiny/native"));
        vocab = model.config().vocabSize();
        dim = model.config().dim();
    }

    @AfterAll
    static void close() {
        model.close();
        pool.close();
    }

    /** A 20-token prompt with 8 [IMG] positions (5..12) carrying the given image's rows. */
    static EngineRequest withImage(String id, long imageSeed, String hash) {
        int[] p = prompt(new SplittableRandom(1), 20, vocab);
        int[] pos = new int[8];
        for (int i = 0; i < 8; i++) {
            pos[i] = 5 + i;
            p[5 + i] = 10;
        }
        SplittableRandom rnd = new SplittableRandom(imageSeed);
        float[] rows = new float[8 * dim];
        for (int i = 0; i < rows.length; i++) rows[i] = (float) rnd.nextGaussian();
        return new EngineRequest(id, p, List.of(new PromptEmbeddings(pos, rows, hash)), greedy(8), null);
    }

    @Test
    void imagesTakePartInPrefixHashingThroughTheirContentHash() {
        List<EngineRequest> rs = List.of(withImage("a", 1, "sha-a"), withImage("b", 2, "sha-b"), withImage("a-again", 1, "sha-a"),
                withImage("unhashed", 1, null));
        List<Collector> want;
        try (SerialEngine serial = new SerialEngine(model, pool)) {
            want = EngineOutputs.serial(serial, rs);
        }
        assertThat(want.get(0).ids()).as("the image changes the output").isNotEqualTo(want.get(1).ids());
        try (BatchingEngine engine = new BatchingEngine(model, pool, BatchingEngineTest.EXACT)) {
            List<Collector> got = new ArrayList<>();
            for (EngineRequest r : rs) {
                Collector c = new Collector();
                got.add(c);
                engine.submit(r, c);
                c.await();
            }
            for (int i = 0; i < rs.size(); i++) assertSame(rs.get(i).id(), got.get(i), want.get(i), 1e-4, false);
            // blocks of 4: block 0 (positions 0..3) is text only; blocks 1..3 hold the image.
            assertThat(got.get(1).metrics.cachedPromptTokens()).as("other image: only the text block").isEqualTo(4);
            assertThat(got.get(2).metrics.cachedPromptTokens()).as("same image: every full block but the last").isEqualTo(16);
            assertThat(got.get(3).metrics.cachedPromptTokens()).as("no content hash: not cacheable").isZero();
        }
    }

    @Test
    void seededSamplingAndLogitsProcessorsMatchSerial() {
        SplittableRandom rnd = new SplittableRandom(17);
        List<Supplier<EngineRequest>> rs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int[] p = prompt(rnd, 4 + 7 * i, vocab);
            SamplingParams sp = SamplingParams.greedy(15).withTemperature(0.9f).withTopP(0.95f).withSeed(100L + i).withIgnoreEos(true)
                    .withTopLogprobs(2).withPenalties(0.3f, 0.2f, 1.1f);
            boolean banned = i % 2 == 0;
            rs.add(() -> new EngineRequest("s" + p.length, p, List.of(), sp, banned ? new BanOdd() : null));
        }
        List<Collector> want;
        try (SerialEngine serial = new SerialEngine(model, pool)) {
            want = EngineOutputs.serial(serial, rs.stream().map(Supplier::get).toList());
        }
        try (BatchingEngine engine = new BatchingEngine(model, pool, BatchingEngineTest.EXACT)) {
            List<Collector> got = new ArrayList<>();
            for (Supplier<EngineRequest> r : rs) {
                Collector c = new Collector();
                got.add(c);
                engine.submit(r.get(), c);
            }
            for (int i = 0; i < rs.size(); i++) {
                got.get(i).await();
                assertSame("s" + i, got.get(i), want.get(i), 1e-4, false);
                if (i % 2 == 0) for (int id : got.get(i).ids()) assertThat(id % 2).isZero();
            }
        }
    }

    /** A stateful processor: forbids odd ids, and counts what it accepted. */
    static final class BanOdd implements LogitsProcessor {
        int accepted;

        @Override
        public void process(float[] logits, int offset, int n) {
            for (int i = 1; i < n; i += 2) logits[offset + i] = Float.NEGATIVE_INFINITY;
        }

        @Override
        public void accept(int tokenId) {
            accepted++;
        }
    }
}
