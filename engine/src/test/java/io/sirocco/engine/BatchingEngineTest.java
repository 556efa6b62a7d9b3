package io.sirocco.engine;

import static io.sirocco.engine.EngineOutputs.assertSame;
import static io.sirocco.engine.EngineOutputs.greedy;
import static io.sirocco.engine.EngineOutputs.prompt;
import static io.sirocco.engine.EngineOutputs.withSuffix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batching engine against the serial reference on the tiny synthetic model (f32 KV: the results must agree). */
class BatchingEngineTest {
    static WorkerPool pool;
    static Model model;
    static int vocab;

    /** Small steps and blocks so that chunked prefill, block boundaries and batching all happen on short prompts. */
    static final EngineConfig EXACT = EngineConfig.defaults().withKvType(KvType.F32).withKvBlocks(512).withBlockSize(4)
            .withMaxNumBatchedTokens(24).withMaxNumSeqs(8);

    @BeforeAll
    static void load() {
        pool = new WorkerPool(2);
        model = Model.load(TestData.file("mistral-tiny/native"));
        vocab = model.config().vocabSize();
    }

    @AfterAll
    static void close() {
        model.close();
        pool.close();
    }

    /** Eight requests of different lengths, arriving in three waves, two of them cancelled part-way. */
    static List<EngineRequest> mixed(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<EngineRequest> rs = new ArrayList<>();
        int[] lengths = {3, 41, 9, 17, 66, 1, 28, 12};
        int[] max = {20, 12, 30, 25, 8, 16, 18, 22};
        for (int i = 0; i < lengths.length; i++)
            rs.add(new EngineRequest("r" + i, prompt(rnd, lengths[i], vocab), greedy(max[i])));
        return rs;
    }

    private static final AtomicInteger sixthSteps = new AtomicInteger();

    @Test
    void eightConcurrentMixedRequestsEqualSerial() throws Exception {
        List<EngineRequest> rs = mixed(7);
        List<Collector> want;
        try (SerialEngine serial = new SerialEngine(model, pool)) {
            want = EngineOutputs.serial(serial, rs);
        }
        List<Collector> got = new ArrayList<>();
        List<RequestHandle> handles = new ArrayList<>();
        AtomicReference<RequestHandle> sixth = new AtomicReference<>();
        try (BatchingEngine engine = new BatchingEngine(model, pool, EXACT)) {
            for (int i = 0; i < rs.size(); i++) {
                // r6 cancels itself (as a client would) after 5 tokens, from inside the listener
                Collector c = i == 6 ? new Collector(s -> {
                    if (sixthSteps.incrementAndGet() == 5) sixth.get().cancel();
                    return true;
                }) : new Collector();
                got.add(c);
                RequestHandle h = engine.submit(rs.get(i), c);
                handles.add(h);
                if (i == 6) sixth.set(h);
                if (i == 2) got.getFirst().await();           // second wave after the first request ended
                if (i == 4) h.cancel();                       // cancelled while waiting or prefilling
                if (i == 5) Thread.sleep(5);                  // third wave while others are mid-way
            }
            double worst = 0;
            for (int i = 0; i < rs.size(); i++) {
                FinishReason r = got.get(i).await();
                boolean cancelled = i == 4 || i == 6;
                assertThat(r).as("r" + i).isEqualTo(cancelled ? FinishReason.CANCELLED : FinishReason.LENGTH);
                worst = Math.max(worst, assertSame("r" + i, got.get(i), want.get(i), 1e-4, cancelled));
            }
            System.out.printf("8 mixed requests: max |Δ logprob| batched vs serial %.2e, %d steps%n", worst, engine.steps());
            assertThat(engine.usedBlocks()).isZero();
            assertThat(engine.stats().running()).isZero();
        }
    }

    @Test
    void preemptionUnderATinyKvBudgetCompletesEverythingUnchanged() {
        List<EngineRequest> rs = mixed(11);
        List<Collector> want;
        try (SerialEngine serial = new SerialEngine(model, pool)) {
            want = EngineOutputs.serial(serial, rs);
        }
        // 24 blocks of 4 = 96 positions; the longest request needs 66 + 8, all eight together need ~300.
        EngineConfig tiny = EXACT.withKvBlocks(24).withPrefixCaching(false);
        try (BatchingEngine engine = new BatchingEngine(model, pool, tiny)) {
            List<Collector> got = new ArrayList<>();
            for (EngineRequest r : rs) {
                Collector c = new Collector();
                got.add(c);
                engine.submit(r, c);
            }
            for (int i = 0; i < rs.size(); i++) {
                assertThat(got.get(i).await()).isEqualTo(FinishReason.LENGTH);
                assertSame("r" + i, got.get(i), want.get(i), 1e-4, false);
            }
            System.out.printf("tiny KV budget: %d preemptions, %d steps%n", engine.stats().preemptions(), engine.steps());
            assertThat(engine.stats().preemptions()).isPositive();
            assertThat(engine.usedBlocks()).isZero();
        }
    }

    @Test
    void preemptionWithPrefixCachingOnStillMatches() {
        List<EngineRequest> rs = mixed(13);
        List<Collector> want;
        try (SerialEngine serial = new SerialEngine(model, pool)) {
            want = EngineOutputs.serial(serial, rs);
        }
        try (BatchingEngine engine = new BatchingEngine(model, pool, EXACT.withKvBlocks(24))) {
            List<Collector> got = new ArrayList<>();
            for (EngineRequest r : rs) {
                Collector c = new Collector();
                got.add(c);
                engine.submit(r, c);
            }
            for (int i = 0; i < rs.size(); i++) {
                assertThat(got.get(i).await()).isEqualTo(FinishReason.LENGTH);
                assertSame("r" + i, got.get(i), want.get(i), 1e-4, false);
            }
            System.out.printf("tiny KV budget with prefix caching: %d preemptions, %d/%d prefix tokens hit%n", engine.stats().preemptions(),
                    engine.stats().prefixHits(), engine.stats().prefixQueries());
            assertThat(engine.stats().preemptions()).isPositive();
            assertThat(engine.usedBlocks()).isZero();
        }
    }

    @Test
    void cancellationAndDisconnectFreeTheirBlocks() throws Exception {
        SplittableRandom rnd = new SplittableRandom(3);
        try (BatchingEngine engine = new BatchingEngine(model, pool, EXACT.withMaxNumSeqs(2))) {
            CountDownLatch started = new CountDownLatch(2);
            Collector a = new Collector(s -> {
                started.countDown();
                return true;
            });
            Collector b = new Collector(s -> {
                started.countDown();
                return true;
            });
            Collector disconnect = new Collector(s -> false);   // a client that goes away after the first token
            Collector queued = new Collector();
            RequestHandle ha = engine.submit(new EngineRequest("a", prompt(rnd, 30, vocab), greedy(100_000)), a);
            RequestHandle hb = engine.submit(new EngineRequest("b", prompt(rnd, 30, vocab), greedy(100_000)), b);
            RequestHandle hq = engine.submit(new EngineRequest("q", prompt(rnd, 30, vocab), greedy(100_000)), queued);
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(engine.usedBlocks()).isPositive();
            hq.cancel();                                          // still waiting: max_num_seqs is 2
            assertThat(queued.await()).isEqualTo(FinishReason.CANCELLED);
            assertThat(queued.steps).isEmpty();
            ha.cancel();
            hb.cancel();
            assertThat(a.await()).isEqualTo(FinishReason.CANCELLED);
            assertThat(b.await()).isEqualTo(FinishReason.CANCELLED);
            assertThat(ha.isDone()).isTrue();
            engine.submit(new EngineRequest("d", prompt(rnd, 30, vocab), greedy(100_000)), disconnect);
            assertThat(disconnect.await()).isEqualTo(FinishReason.STOP);
            assertThat(disconnect.steps).hasSize(1);
            awaitIdle(engine);
            assertThat(engine.usedBlocks()).isZero();
            assertThat(engine.stats().kvUsage()).isZero();
            assertThat(engine.stats().running()).isZero();
            assertThat(engine.stats().waiting()).isZero();
        }
    }

    @Test
    void prefixCacheHitIsCountedAndLeavesOutputsUnchanged() {
        SplittableRandom rnd = new SplittableRandom(5);
        int[] system = prompt(rnd, 50, vocab);
        List<EngineRequest> rs = List.of(
                new EngineRequest("first", withSuffix(system, rnd, 7, vocab), greedy(10)),
                new EngineRequest("second", withSuffix(system, rnd, 5, vocab), greedy(10)),
                new EngineRequest("same", withSuffix(system, new SplittableRandom(99), 0, vocab), greedy(10)));
        List<Collector> want;
        try (SerialEngine serial = new SerialEngine(model, pool)) {
            want = EngineOutputs.serial(serial, rs);
        }
        try (BatchingEngine engine = new BatchingEngine(model, pool, EXACT)) {
            List<Collector> got = new ArrayList<>();
            for (EngineRequest r : rs) {  // one after another, so the later ones find the first one's blocks
                Collector c = new Collector();
                got.add(c);
                engine.submit(r, c);
                c.await();
            }
            for (int i = 0; i < rs.size(); i++) assertSame(rs.get(i).id(), got.get(i), want.get(i), 1e-4, false);
            EngineStats s = engine.stats();
            // 50 shared tokens = 12 full blocks of 4 (48 tokens) for the second; for the identical prompt the last
            // block is recomputed so that one token is left to run.
            assertThat(got.get(0).metrics.cachedPromptTokens()).isZero();
            assertThat(got.get(1).metrics.cachedPromptTokens()).isEqualTo(48);
            assertThat(got.get(2).metrics.cachedPromptTokens()).isEqualTo(48);
            assertThat(s.prefixHits()).isEqualTo(96);
            assertThat(s.prefixQueries()).isEqualTo(57 + 55 + 50);
            assertThat(engine.cachedBlocks()).isPositive();
            assertThat(engine.usedBlocks()).isZero();
        }
    }

    @Test
    void closeDrainsRunningRequestsAndRefusesNewOnes() {
        SplittableRandom rnd = new SplittableRandom(9);
        BatchingEngine engine = new BatchingEngine(model, pool, EXACT);
        Collector a = new Collector(), b = new Collector();
        engine.submit(new EngineRequest("a", prompt(rnd, 10, vocab), greedy(5)), a);
        engine.submit(new EngineRequest("b", prompt(rnd, 10, vocab), greedy(100_000)), b);
        engine.close(Duration.ofMillis(300));
        assertThat(a.await()).isEqualTo(FinishReason.LENGTH);
        assertThat(b.await()).isEqualTo(FinishReason.CANCELLED);
        assertThat(engine.usedBlocks()).isZero();
        assertThatThrownBy(() -> engine.submit(new EngineRequest("c", prompt(rnd, 3, vocab), greedy(1)), new Collector()))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badRequestsAreRefusedWithClearMessages() {
        try (BatchingEngine engine = new BatchingEngine(model, pool, EXACT.withKvBlocks(8))) {
            assertThatThrownBy(() -> engine.submit(new EngineRequest("long", new int[40], greedy(1)), new Collector()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");
            assertThatThrownBy(() -> engine.submit(new EngineRequest("id", new int[] {1, vocab}, greedy(1)), new Collector()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocabulary");
            // max_tokens is capped by the cache: 32 positions, 20 of them prompt.
            Collector c = new Collector();
            engine.submit(new EngineRequest("cap", prompt(new SplittableRandom(1), 20, vocab), greedy(1000)), c);
            assertThat(c.await()).isEqualTo(FinishReason.LENGTH);
            assertThat(c.steps).hasSize(12);
        }
    }

    static void awaitIdle(BatchingEngine engine) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end && (engine.stats().running() > 0 || engine.stats().waiting() > 0)) Thread.sleep(2);
    }
}
