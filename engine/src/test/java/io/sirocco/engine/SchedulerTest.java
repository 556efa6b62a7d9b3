package io.sirocco.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.sample.SamplingParams;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scheduling rules without a model: budget, decode-first, chunking, FCFS and preemption order. */
class SchedulerTest {
    static long arrivals;

    static Sequence seq(int promptLength, int maxTokens) {
        int[] p = new int[promptLength];
        for (int i = 0; i < p.length; i++) p[i] = 1000 + i;
        EngineRequest r = new EngineRequest("s" + arrivals, p, SamplingParams.greedy(maxTokens));
        return new Sequence(arrivals++, r, new Collector(), maxTokens, null, 4, 2000);
    }

    /** What the engine does after the forward pass: sequences whose tokens are all computed get one more. */
    static void finishStep(Scheduler s, List<Sequence> step) {
        s.completed(step);
        for (Sequence q : step) if (q.computed == q.length) q.append(7);
    }

    @Test
    void aLongPromptNeverHoldsUpTheDecodesForMoreThanOneStepsBudget() {
        EngineConfig cfg = EngineConfig.defaults().withKvBlocks(100).withBlockSize(4).withMaxNumBatchedTokens(16).withPrefixCaching(false);
        Scheduler s = new Scheduler(cfg, new BlockPool(100, 4));
        Sequence a = seq(3, 100), b = seq(5, 100), c = seq(2, 100);
        for (Sequence q : List.of(a, b, c)) s.add(q);
        finishStep(s, s.schedule());                        // their three prompts: 10 tokens
        Sequence longOne = seq(100, 10);
        s.add(longOne);
        int prefilled = 0;
        for (int i = 0; i < 10; i++) {
            List<Sequence> step = s.schedule();
            int tokens = step.stream().mapToInt(q -> q.scheduled).sum();
            assertThat(tokens).isLessThanOrEqualTo(16);
            assertThat(step).contains(a, b, c);             // every decode, every step
            assertThat(a.scheduled).isEqualTo(1);
            if (step.contains(longOne) && longOne.computed < longOne.promptLength) prefilled += longOne.scheduled;
            if (i < 7) assertThat(longOne.scheduled).isEqualTo(13);
            finishStep(s, step);
        }
        assertThat(prefilled).as("the prompt advances by the rest of the budget").isEqualTo(100);
    }

    @Test
    void waitingRequestsStartInArrivalOrderWithinMaxNumSeqs() {
        EngineConfig cfg = EngineConfig.defaults().withKvBlocks(100).withBlockSize(4).withMaxNumBatchedTokens(64).withMaxNumSeqs(2);
        Scheduler s = new Scheduler(cfg, new BlockPool(100, 4));
        Sequence a = seq(3, 5), b = seq(3, 5), c = seq(3, 5);
        s.add(a);
        s.add(b);
        s.add(c);
        assertThat(s.schedule()).containsExactly(a, b);
        assertThat(s.waiting()).isEqualTo(1);
    }

    @Test
    void whenBlocksRunOutTheNewestIsPreemptedAndRequeuedFirst() {
        EngineConfig cfg = EngineConfig.defaults().withKvBlocks(3).withBlockSize(4).withMaxNumBatchedTokens(64).withPrefixCaching(false);
        BlockPool pool = new BlockPool(3, 4);
        Scheduler s = new Scheduler(cfg, pool);
        Sequence a = seq(4, 20), b = seq(4, 20), late = seq(2, 20);
        s.add(a);
        s.add(b);
        finishStep(s, s.schedule());                        // a and b hold one full block each, one block free
        s.add(late);
        finishStep(s, s.schedule());                        // a and b take... a gets the free block; late waits
        assertThat(s.preemptions).isEqualTo(1);             // b needed a block too: b (newer than a) was preempted
        assertThat(s.running()).isEqualTo(1);
        assertThat(b.computed).isZero();
        assertThat(b.kv.blockCount()).isZero();
        assertThat(b.length).as("b keeps its generated token").isEqualTo(5);
        // b is at the head of the queue, ahead of the later arrival
        a.cancelRequested = true;
        s.remove(a);
        List<Sequence> step = s.schedule();
        assertThat(step.getFirst()).isSameAs(b);
        assertThat(b.scheduled).as("b recomputes prompt and output").isEqualTo(5);
    }
}
