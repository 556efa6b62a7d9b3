package io.sirocco.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static float[] randomLogits(int n, long seed) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (r.nextGaussian() * 3);
        return l;
    }

    private static SamplingParams sampled(float t) {
        return SamplingParams.greedy(10).withTemperature(t);
    }

    @Test
    void greedyPicksArgmaxWithTiesToLowerId() {
        float[] l = {0.5f, 2f, 2f, -1f};
        assertThat(new Sampler(SamplingParams.greedy(1), 4, new int[0]).sample(l, 0, 4)).isEqualTo(1);
    }

    @Test
    void topKMatchesSortingReference() {
        float[] l = randomLogits(1000, 1);
        int[] top = Logprobs.topK(l, 0, l.length, 7);
        Integer[] idx = new Integer[l.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(l[b], l[a]));
        for (int i = 0; i < 7; i++) assertThat(top[i]).isEqualTo(idx[i]);
        assertThat(Logprobs.topK(l, 0, l.length, 0)).isEmpty();
        assertThat(Logprobs.topK(l, 0, 3, 10)).hasSize(3);
    }

    @Test
    void logSumExpMatchesDirectSum() {
        float[] l = randomLogits(500, 2);
        double direct = 0;
        for (float v : l) direct += Math.exp(v);
        assertThat(Logprobs.logSumExp(l, 0, l.length)).isCloseTo(Math.log(direct), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void seedMakesSamplingReproducible() {
        float[] l = randomLogits(300, 3);
        SamplingParams p = sampled(0.8f).withSeed(1234L);
        Sampler a = new Sampler(p, 300, new int[0]), b = new Sampler(p, 300, new int[0]);
        for (int i = 0; i < 50; i++) assertThat(a.sample(l, 0, 300)).isEqualTo(b.sample(l, 0, 300));
    }

    @Test
    void samplingFollowsTheSoftmaxDistribution() {
        float[] l = {0f, (float) Math.log(2), (float) Math.log(7)};  // p = 0.1, 0.2, 0.7
        Sampler s = new Sampler(sampled(1f).withSeed(7L), 3, new int[0]);
        int[] counts = new int[3];
        int n = 20000;
        for (int i = 0; i < n; i++) counts[s.sample(l, 0, 3)]++;
        assertThat(counts[0] / (double) n).isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.015));
        assertThat(counts[1] / (double) n).isCloseTo(0.2, org.assertj.core.data.Offset.offset(0.015));
        assertThat(counts[2] / (double) n).isCloseTo(0.7, org.assertj.core.data.Offset.offset(0.015));
    }

    @Test
    void topKTopPAndMinPRestrictTheCandidates() {
        float[] l = {5f, 4f, 3f, 2f, 1f, 0f};
        assertThat(draws(sampled(1f).withTopK(2), l)).isSubsetOf(0, 1);
        // p ≈ 0.636, 0.234, 0.086, ...: top_p 0.8 keeps the first two
        assertThat(draws(sampled(1f).withTopP(0.8f), l)).isSubsetOf(0, 1).contains(0, 1);
        // min_p 0.3 keeps tokens with p ≥ 0.3 · 0.636 = 0.19: ids 0 and 1
        assertThat(draws(sampled(1f).withMinP(0.3f), l)).isSubsetOf(0, 1).contains(0, 1);
    }

    private static Set<Integer> draws(SamplingParams p, float[] l) {
        Sampler s = new Sampler(p.withSeed(99L), l.length, new int[0]);
        Map<Integer, Integer> seen = new HashMap<>();
        for (int i = 0; i < 3000; i++) seen.merge(s.sample(l, 0, l.length), 1, Integer::sum);
        return seen.keySet();
    }

    @Test
    void nanLogitsAreNeverChosen() {
        float[] l = randomLogits(4000, 3);
        for (int i = 0; i < l.length; i += 5) l[i] = Float.NaN;
        for (int k : new int[] {0, 20, 3500}) {  // 3500: more than the 3200 real logits
            Sampler s = new Sampler(sampled(1f).withTopK(k).withSeed(5L), l.length, new int[0]);
            for (int i = 0; i < 300; i++) assertThat(l[s.sample(l, 0, l.length)]).as("top_k %d", k).isNotNaN();
        }
    }

    @Test
    void penaltiesFollowVllmSemantics() {
        float[] l = {2f, 1.9f, -1f};
        // repetition: token 0 seen in the prompt, 2 / 1.5 = 1.33 < 1.9 → greedy picks 1
        Sampler rep = new Sampler(SamplingParams.greedy(5).withPenalties(0f, 0f, 1.5f), 3, new int[] {0});
        assertThat(rep.sample(l, 0, 3)).isEqualTo(1);
        // frequency: token 0 generated twice, 2 − 2·0.1 = 1.8 < 1.9
        Sampler freq = new Sampler(SamplingParams.greedy(5).withPenalties(0f, 0.1f, 1f), 3, new int[0]);
        freq.accept(0);
        freq.accept(0);
        assertThat(freq.sample(l, 0, 3)).isEqualTo(1);
        // presence: once, whatever the count: 2 − 0.05 = 1.95 > 1.9
        Sampler pres = new Sampler(SamplingParams.greedy(5).withPenalties(0.05f, 0f, 1f), 3, new int[0]);
        pres.accept(0);
        pres.accept(0);
        assertThat(pres.sample(l, 0, 3)).isEqualTo(0);
        assertThat(l[0]).isEqualTo(2f);  // the caller's logits are not modified
    }

    @Test
    void invalidParametersAreRejectedWithTheirName() {
        assertThatThrownBy(() -> SamplingParams.greedy(1).withTemperature(-1f)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> SamplingParams.greedy(1).withTopP(0f)).hasMessageContaining("top_p");
        assertThatThrownBy(() -> SamplingParams.greedy(-1)).hasMessageContaining("max_tokens");
        assertThatThrownBy(() -> SamplingParams.greedy(1).withPenalties(3f, 0f, 1f)).hasMessageContaining("presence_penalty");
    }
}
