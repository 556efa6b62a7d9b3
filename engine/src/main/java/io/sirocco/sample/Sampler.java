package io.sirocco.sample;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses tokens for one sequence: penalties, then temperature, top-k, top-p and min-p, then a draw from a seeded RNG
 * (or argmax when greedy). Keeps the counts that the penalties need.
 */
public final class Sampler {
    private final SamplingParams p;
    private final SplittableRandom rng;
    private final int[] outputCounts;   // (vocab) occurrences in the generated tokens
    private final boolean[] seen;       // (vocab) in prompt or output, for the repetition penalty

    public Sampler(SamplingParams params, int vocab, int[] prompt) {
        this.p = params;
        this.rng = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
        this.outputCounts = new int[vocab];
        this.seen = new boolean[vocab];
        for (int id : prompt) if (id >= 0 && id < vocab) seen[id] = true;
    }

    /** Records a generated token (for penalties). */
    public void accept(int id) {
        if (id >= 0 && id < outputCounts.length) {
            outputCounts[id]++;
            seen[id] = true;
        }
    }

    /** Picks the next token from logits[off..off+vocab); the array is not modified. */
    public int sample(float[] logits, int off, int vocab) {
        float[] l = Arrays.copyOfRange(logits, off, off + vocab);
        applyPenalties(l);
        if (p.isGreedy()) return Logprobs.topK(l, 0, vocab, 1)[0];

        int n = vocab;
        int[] order = sortedDescending(l, p.topK() > 0 ? Math.min(p.topK(), vocab) : vocab);
        n = order.length;
        double max = l[order[0]];
        double[] prob = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            prob[i] = Math.exp((l[order[i]] - max) / p.temperature());
            sum += prob[i];
        }
        for (int i = 0; i < n; i++) prob[i] /= sum;
        if (p.topP() < 1f) {
            double cum = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cum += prob[i];
                if (cum >= p.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            n = keep;
        }
        if (p.minP() > 0f) {
            double threshold = p.minP() * prob[0];
            int keep = 1;
            while (keep < n && prob[keep] >= threshold) keep++;
            n = keep;
        }
        double total = 0;
        for (int i = 0; i < n; i++) total += prob[i];
        double r = rng.nextDouble() * total;
        for (int i = 0; i < n; i++) {
            r -= prob[i];
            if (r < 0) return order[i];
        }
        return order[n - 1];
    }

    private void applyPenalties(float[] l) {
        boolean rep = p.repetitionPenalty() != 1f, pres = p.presencePenalty() != 0f, freq = p.frequencyPenalty() != 0f;
        if (!rep && !pres && !freq) return;
        for (int i = 0; i < l.length; i++) {
            if (rep && seen[i]) l[i] = l[i] > 0 ? l[i] / p.repetitionPenalty() : l[i] * p.repetitionPenalty();
            int c = outputCounts[i];
            if (c > 0) l[i] -= (pres ? p.presencePenalty() : 0f) + (freq ? p.frequencyPenalty() * c : 0f);
        }
    }

    /** Ids of the k largest logits, best first (ties to the lower id). */
    private static int[] sortedDescending(float[] l, int k) {
        if (k < l.length / 4) return Logprobs.topK(l, 0, l.length, k);
        Integer[] idx = new Integer[l.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> l[a] != l[b] ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) out[i] = idx[i];
        return out;
    }
}
