package io.sirocco.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sampler.choose, which sorts only the best logits when top-k is off, against the plain rule it replaces: sort the whole
 * vocabulary (larger logit first, ties to the lower id), softmax at the temperature, cut by top-k, top-p, min-p, and
 * walk the kept candidates until the draw times their mass is used up. Same token for every draw (short of the last
 * 1e-7 of the range, where summation order decides).
 */
class SamplerChoiceTest {
    static Stream<Integer> trials() {
        return Stream.iterate(0, i -> i + 1).limit(8);
    }

    @ParameterizedTest(name = "logits {0}")
    @MethodSource("trials")
    void picksWhatSortingEverythingPicks(int trial) {
        Random rnd = new Random(trial);
        float[] l = logits(rnd, trial);
        Integer[] sorted = sortedByReference(l);
        for (float t : new float[] {0.1f, 1f, 2.5f})
            for (int k : new int[] {0, 1, 40, 50_000})
                for (float topP : new float[] {1f, 0.95f, 0.01f})
                    for (float minP : new float[] {0f, 0.05f}) {
                        SamplingParams params = SamplingParams.greedy(1).withTemperature(t).withTopK(k).withTopP(topP).withMinP(minP);
                        Sampler sampler = new Sampler(params, 1, new int[0]);
                        // Not u within ~1e-7 of 1: there the walk ends where the tail's remaining mass meets the rounding
                        // of a sum over 80 000 terms, which any other order of summation moves.
                        for (double u : new double[] {0, 1e-9, rnd.nextDouble(), rnd.nextDouble(), 0.5, 0.999})
                            assertThat(sampler.choose(l, u)).as("T %s top_k %d top_p %s min_p %s u %s", t, k, topP, minP, u)
                                    .isEqualTo(reference(l, sorted, params, u));
                    }
    }

    /** Vocabularies of 80 000 with spreads from flat to peaked, ties, and -inf entries (a masked grammar). */
    private static float[] logits(Random rnd, int trial) {
        float[] l = new float[80_000];
        double scale = new double[] {0.3, 1, 3, 10}[trial % 4];
        for (int i = 0; i < l.length; i++) l[i] = (float) (rnd.nextGaussian() * scale);
        if (trial % 3 == 1) for (int i = 0; i < l.length; i++) l[i] = Math.round(l[i] * 2) / 2f;  // many ties
        if (trial % 3 == 2) for (int i = 0; i < l.length; i += 3) l[i] = Float.NEGATIVE_INFINITY;
        return l;
    }

    /** Every id, larger logit first, ties to the lower id. */
    private static Integer[] sortedByReference(float[] l) {
        Integer[] idx = new Integer[l.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> l[a] != l[b] ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
        return idx;
    }

    /** The rule, written plainly over the whole sorted vocabulary. */
    private static int reference(float[] l, Integer[] idx, SamplingParams p, double u) {
        int n = p.topK() > 0 ? Math.min(p.topK(), l.length) : l.length;
        double max = l[idx[0]];
        double[] prob = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) sum += prob[i] = Math.exp((l[idx[i]] - max) / p.temperature());
        for (int i = 0; i < n; i++) prob[i] /= sum;
        if (p.topP() < 1f) {
            double cum = 0;
            for (int i = 0; i < n; i++)
                if ((cum += prob[i]) >= p.topP()) {
                    n = i + 1;
                    break;
                }
        }
        if (p.minP() > 0f) {
            int keep = 1;
            while (keep < n && prob[keep] >= p.minP() * prob[0]) keep++;
            n = keep;
        }
        double total = 0;
        for (int i = 0; i < n; i++) total += prob[i];
        double r = u * total;
        for (int i = 0; i < n; i++)
            if ((r -= prob[i]) < 0) return idx[i];
        return idx[n - 1];
    }
}
