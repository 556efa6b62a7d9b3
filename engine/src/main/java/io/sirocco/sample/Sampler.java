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
        return choose(l, rng.nextDouble());
    }

    /**
     * The token a draw {@code u} ∈ [0, 1) picks from logits {@code l}: the candidates in order of decreasing logit
     * (ties to the lower id) with their softmax probabilities at the temperature, cut by top-k, then top-p, then min-p,
     * and the first whose running sum passes u times the kept mass.
     *
     * <p>Without top-k only the best logits are sorted: those within c·temperature of the largest, c = 8, 16, 32, ...,
     * until the cuts and the draw fall among them, with a radix sort: 1–5 ms a token at 131 072 entries, where sorting
     * the whole boxed vocabulary took 42 ms (a decode step of the 24B-shaped bench model takes about 50 ms); the tokens
     * chosen are the same.
     */
    int choose(float[] l, double u) {
        int vocab = l.length;
        int k = p.topK() > 0 ? Math.min(p.topK(), vocab) : vocab;
        double[] e = new double[vocab];  // exp((l − max) / T) of the candidates, 0 for NaN
        double sum = 0;
        if (k < vocab) {
            int[] order = k < vocab / 4 ? Logprobs.topK(l, 0, vocab, k) : sortedAbove(l, Float.NEGATIVE_INFINITY);
            if (order.length > k) order = Arrays.copyOf(order, k);  // fewer when some logits are NaN
            double top = l[order[0]];
            for (int id : order) sum += e[id] = Math.exp((l[id] - top) / p.temperature());
            return pick(order, e, sum, true, u);
        }
        float top = Float.NEGATIVE_INFINITY;
        for (float v : l) if (v > top) top = v;
        double max = top;  // in double, as the differences below
        for (int i = 0; i < vocab; i++) if (!Float.isNaN(l[i])) sum += e[i] = Math.exp((l[i] - max) / p.temperature());
        for (double c = 8; c <= 512; c *= 2) {
            float cutoff = (float) (max - c * p.temperature());
            if (!(cutoff > Float.NEGATIVE_INFINITY)) break;
            int result = pick(sortedAbove(l, cutoff), e, sum, false, u);
            if (result >= 0) return result;
        }
        return pick(sortedAbove(l, Float.NEGATIVE_INFINITY), e, sum, true, u);
    }

    /**
     * The draw over the best candidates {@code order} (all of them if {@code complete}), with probabilities
     * e[id] / sum; -1 if a cut or the draw lies beyond them.
     */
    private int pick(int[] order, double[] e, double sum, boolean complete, double u) {
        int n = order.length;
        double[] prob = new double[n];
        for (int i = 0; i < n; i++) prob[i] = e[order[i]] / sum;
        int keep = n;              // candidates kept, among order
        boolean cut = complete;    // whether the kept set is known to end within order
        if (p.topP() < 1f) {
            double cum = 0;
            for (int i = 0; i < n; i++) {
                cum += prob[i];
                if (cum >= p.topP()) {
                    keep = i + 1;
                    cut = true;
                    break;
                }
            }
        }
        if (p.minP() > 0f) {
            double threshold = p.minP() * prob[0];
            int m = 1;
            while (m < keep && prob[m] >= threshold) m++;
            if (m < keep || m < n) cut = true;  // stopped on a probability below the threshold, within order
            keep = m;
        }
        double total;
        if (cut) {
            total = 0;
            for (int i = 0; i < keep; i++) total += prob[i];
        } else if (p.topP() >= 1f && p.minP() <= 0f) {
            total = 1;  // no cut at all: the whole vocabulary is kept, and prob is normalized over it
        } else {
            return -1;  // top-p's sum did not reach its bound among these candidates
        }
        double r = u * total;
        for (int i = 0; i < keep; i++) {
            r -= prob[i];
            if (r < 0) return order[i];
        }
        return cut ? order[keep - 1] : -1;
    }

    /**
     * Ids whose logit is at least {@code cutoff}, best first (ties to the lower id); NaN never. A stable radix sort on
     * the logits' bits, three passes of 11 bits: ids enter in increasing order, so ties keep it. (Arrays.sort on the
     * same keys took 8–10 ms at 131 072 entries, as many as a flat distribution keeps.)
     */
    private static int[] sortedAbove(float[] l, float cutoff) {
        int n = 0;
        int[] keys = new int[l.length], ids = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            float v = l[i];
            if (!(v >= cutoff)) continue;
            int bits = Float.floatToIntBits(v);
            int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF);  // ordered as the floats are, as signed ints
            keys[n] = ~ascending ^ Integer.MIN_VALUE;            // larger logit first, as unsigned ints
            ids[n++] = i;
        }
        int[] keys2 = new int[n], ids2 = new int[n], count = new int[1 << 11];
        for (int shift = 0; shift < 32; shift += 11) {
            java.util.Arrays.fill(count, 0);
            for (int i = 0; i < n; i++) count[(keys[i] >>> shift) & 0x7FF]++;
            for (int d = 0, at = 0; d < count.length; d++) {
                int c = count[d];
                count[d] = at;
                at += c;
            }
            for (int i = 0; i < n; i++) {
                int at = count[(keys[i] >>> shift) & 0x7FF]++;
                keys2[at] = keys[i];
                ids2[at] = ids[i];
            }
            int[] t = keys; keys = keys2; keys2 = t;
            t = ids; ids = ids2; ids2 = t;
        }
        return ids.length == n ? ids : Arrays.copyOf(ids, n);
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

}
