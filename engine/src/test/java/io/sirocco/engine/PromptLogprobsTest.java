package io.sirocco.engine;

import static io.sirocco.engine.EngineOutputs.greedy;
import static io.sirocco.engine.EngineOutputs.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.model.Batch;
import io.sirocco.model.Decoder;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.Logprobs;
import io.sirocco.testing.TestData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Prompt logprobs (vLLM's prompt_logprobs) from both engines against teacher forcing and the llama.cpp golden. */
class PromptLogprobsTest {
    static WorkerPool pool;
    static Model model;
    static int vocab;

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

    /** Teacher forcing: run each prefix prompt[0..i] on its own and read the logprob of prompt[i+1] from its last row. */
    static List<PromptLogprob> teacherForced(int[] prompt, int k) {
        Decoder dec = model.decoder();
        List<PromptLogprob> out = new ArrayList<>();
        for (int i = 0; i + 1 < prompt.length; i++) {
            KvCache cache = KvCache.forTokens(dec.cacheShape(), i + 1);
            KvCache.SequenceKv seq = new KvCache.SequenceKv();
            cache.reserve(seq, i + 1);
            float[] logits = dec.forward(Batch.ofSequence(Arrays.copyOf(prompt, i + 1), 0, seq), cache, pool);
            double lse = Logprobs.logSumExp(logits, 0, vocab);
            int rank = 1;
            for (int v = 0; v < vocab; v++) if (logits[v] > logits[prompt[i + 1]]) rank++;
            int[] top = Logprobs.topK(logits, 0, vocab, k);
            float[] topLp = new float[top.length];
            for (int j = 0; j < top.length; j++) topLp[j] = (float) (logits[top[j]] - lse);
            out.add(new PromptLogprob(prompt[i + 1], (float) (logits[prompt[i + 1]] - lse), rank, top, topLp));
        }
        return out;
    }

    static void assertClose(String what, List<PromptLogprob> got, List<PromptLogprob> want, double tau) {
        assertThat(got).as(what + ": entries").hasSize(want.size());
        for (int i = 0; i < got.size(); i++) {
            PromptLogprob g = got.get(i), w = want.get(i);
            assertThat(g.id()).as(what + ": id at " + i).isEqualTo(w.id());
            assertThat((double) g.logprob()).as(what + ": logprob at " + i).isCloseTo(w.logprob(), org.assertj.core.data.Offset.offset(tau));
            // A rank counts vocabulary logits above this one: with 32k of them, a near-tie within rounding moves it by one.
            assertThat(g.rank()).as(what + ": rank at " + i).isCloseTo(w.rank(), org.assertj.core.data.Offset.offset(2));
            assertThat(g.topIds()).as(what + ": top ids at " + i).containsExactly(w.topIds());
            for (int j = 0; j < g.topLogprobs().length; j++)
                assertThat((double) g.topLogprobs()[j]).isCloseTo(w.topLogprobs()[j], org.assertj.core.data.Offset.offset(tau));
        }
    }

    static Collector run(Engine engine, EngineRequest r) {
        Collector c = new Collector();
        engine.submit(r, c);
        c.await();
        return c;
    }

    @Test
    void bothEnginesEqualTeacherForcingAcrossChunksAndBlocks() {
        int[] prompt = prompt(new SplittableRandom(3), 37, vocab);
        List<PromptLogprob> want = teacherForced(prompt, 4);
        EngineRequest r = new EngineRequest("p", prompt, greedy(5)).withPromptLogprobs(4);
        Collector serial;
        try (SerialEngine e = new SerialEngine(model, pool)) {
            serial = run(e, r);
        }
        assertClose("serial", serial.promptLogprobs, want, 1e-4);
        // budget 24, blocks of 4: the prompt is prefilled in two chunks alongside another request's decode
        try (BatchingEngine e = new BatchingEngine(model, pool, BatchingEngineTest.EXACT)) {
            Collector other = new Collector();
            e.submit(new EngineRequest("o", prompt(new SplittableRandom(4), 9, vocab), greedy(12)), other);
            Collector batched = run(e, r);
            other.await();
            assertClose("batched", batched.promptLogprobs, want, 1e-4);
            EngineOutputs.assertSame("generated after prompt logprobs", batched, serial, 1e-4, false);
        }
    }

    @Test
    void withoutTheOptionNothingIsReportedAndAOneTokenPromptHasNoEntries() {
        int[] prompt = prompt(new SplittableRandom(5), 12, vocab);
        try (BatchingEngine e = new BatchingEngine(model, pool, BatchingEngineTest.EXACT)) {
            assertThat(run(e, new EngineRequest("a", prompt, greedy(2))).promptLogprobs).isNull();
            Collector one = run(e, new EngineRequest("b", new int[] {1}, greedy(2)).withPromptLogprobs(0));
            assertThat(one.promptLogprobs).isEmpty();
            assertThat(one.steps).hasSize(2);
        }
    }

    @Test
    void aCachedPrefixIsNotReusedForPromptLogprobs() {
        int[] prompt = prompt(new SplittableRandom(6), 30, vocab);
        List<PromptLogprob> want = teacherForced(prompt, 2);
        try (BatchingEngine e = new BatchingEngine(model, pool, BatchingEngineTest.EXACT)) {
            run(e, new EngineRequest("warm", prompt, greedy(3)));
            long hits = e.stats().prefixHits();
            Collector c = run(e, new EngineRequest("p", prompt, greedy(3)).withPromptLogprobs(2));
            assertThat(e.stats().prefixHits()).as("no prefix hits for a prompt-logprobs request").isEqualTo(hits);
            assertClose("after a cached run", c.promptLogprobs, want, 1e-4);
            run(e, new EngineRequest("again", prompt, greedy(3)));
            assertThat(e.stats().prefixHits()).as("an ordinary request still hits").isGreaterThan(hits);
        }
    }

    @Test
    void preemptedWhilePrefillingStillReportsOnce() {
        SplittableRandom rnd = new SplittableRandom(8);
        List<EngineRequest> rs = new ArrayList<>();
        for (int i = 0; i < 6; i++) rs.add(new EngineRequest("r" + i, prompt(rnd, 20 + 7 * i, vocab), greedy(10)).withPromptLogprobs(1));
        try (BatchingEngine e = new BatchingEngine(model, pool, BatchingEngineTest.EXACT.withKvBlocks(24))) {
            List<Collector> cs = new ArrayList<>();
            for (EngineRequest r : rs) {
                Collector c = new Collector();
                cs.add(c);
                e.submit(r, c);
            }
            for (int i = 0; i < rs.size(); i++) {
                assertThat(cs.get(i).await()).isEqualTo(FinishReason.LENGTH);
                assertClose("r" + i, cs.get(i).promptLogprobs, teacherForced(rs.get(i).promptTokens(), 1), 1e-4);
            }
            assertThat(e.stats().preemptions()).isPositive();
        }
    }

    /** The golden's prompt followed by its 24 greedy tokens, as a prompt: the logprobs of those tokens are llama.cpp's. */
    @Test
    void teacherForcedGoldenContinuationMatchesLlamaCpp() throws Exception {
        JsonNode golden = new ObjectMapper().readTree(TestData.file("mistral-tiny/generation.json").toFile());
        for (JsonNode p : golden.get("prompts")) {
            if (!p.get("name").asText().equals("chat_system")) continue;
            int n = p.get("prompt_ids").size();
            JsonNode steps = p.get("steps");
            int[] ids = new int[n + steps.size()];
            for (int i = 0; i < n; i++) ids[i] = p.get("prompt_ids").get(i).asInt();
            for (int i = 0; i < steps.size(); i++) ids[n + i] = steps.get(i).get("id").asInt();
            try (BatchingEngine e = new BatchingEngine(model, pool, BatchingEngineTest.EXACT)) {
                Collector c = run(e, new EngineRequest("g", ids, greedy(1)).withPromptLogprobs(5));
                for (int i = 0; i < steps.size(); i++) {
                    PromptLogprob lp = c.promptLogprobs.get(n + i - 1);
                    assertThat((double) lp.logprob()).as("token " + i).isCloseTo(steps.get(i).get("logprob").asDouble(), org.assertj.core.data.Offset.offset(1e-3));
                    assertThat(lp.rank()).as("greedy token %d is the top one", i).isEqualTo(1);
                }
            }
            return;
        }
        throw new AssertionError("golden prompt chat_system not found");
    }
}
