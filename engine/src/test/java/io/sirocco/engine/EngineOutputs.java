package io.sirocco.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Requests with random prompts and the comparison of an engine's outputs with the serial reference's. */
final class EngineOutputs {
    private EngineOutputs() {}

    /** A prompt of {@code n} ordinary (non-special) token ids below {@code vocab}, starting with BOS = 1. */
    static int[] prompt(SplittableRandom rnd, int n, int vocab) {
        int[] p = new int[n];
        p[0] = 1;
        for (int i = 1; i < n; i++) p[i] = 1000 + rnd.nextInt(vocab - 1000);
        return p;
    }

    /** {@code shared} followed by {@code n} random ids. */
    static int[] withSuffix(int[] shared, SplittableRandom rnd, int n, int vocab) {
        int[] p = java.util.Arrays.copyOf(shared, shared.length + n);
        for (int i = 0; i < n; i++) p[shared.length + i] = 1000 + rnd.nextInt(vocab - 1000);
        return p;
    }

    /** Runs every request on the serial engine, one after another. */
    static List<Collector> serial(Engine engine, List<EngineRequest> requests) {
        List<Collector> out = new ArrayList<>();
        for (EngineRequest r : requests) {
            Collector c = new Collector();
            engine.submit(r, c);
            c.await();
            out.add(c);
        }
        return out;
    }

    /**
     * Asserts equal ids and logprobs (chosen and top alternatives) within {@code tau}; {@code prefixOnly} accepts a
     * shorter output that is a prefix of the reference (a cancelled request). Returns the largest logprob difference.
     */
    static double assertSame(String what, Collector got, Collector want, double tau, boolean prefixOnly) {
        List<Step> g = got.steps, w = want.steps;
        if (prefixOnly) assertThat(g.size()).as(what + ": length").isLessThanOrEqualTo(w.size());
        else assertThat(g.size()).as(what + ": length").isEqualTo(w.size());
        double worst = 0;
        for (int i = 0; i < g.size(); i++) {
            assertThat(g.get(i).id()).as(what + ": id at step " + i).isEqualTo(w.get(i).id());
            worst = Math.max(worst, Math.abs(g.get(i).logprob() - w.get(i).logprob()));
            assertThat(g.get(i).topIds()).as(what + ": top ids at step " + i).containsExactly(w.get(i).topIds());
            for (int j = 0; j < g.get(i).topLogprobs().length; j++)
                worst = Math.max(worst, Math.abs(g.get(i).topLogprobs()[j] - w.get(i).topLogprobs()[j]));
        }
        assertThat(worst).as(what + ": max |Δ logprob|").isLessThanOrEqualTo(tau);
        return worst;
    }

    static SamplingParams greedy(int maxTokens) {
        return SamplingParams.greedy(maxTokens).withIgnoreEos(true).withTopLogprobs(3);
    }
}
