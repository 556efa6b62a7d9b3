package io.sirocco.sample;

import java.util.Arrays;

/** Log-softmax over the whole vocabulary of raw logits, and the top-k of it. */
public final class Logprobs {
    private Logprobs() {}

    /** log(Σ exp(x)) of x[off..off+n), in double. */
    public static double logSumExp(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.exp((double) x[off + i] - max);
        return max + Math.log(s);
    }

    /** The k highest entries of x[off..off+n) as ids, best first; ties to the lower id; NaN never chosen. */
    public static int[] topK(float[] x, int off, int n, int k) {
        k = Math.min(k, n);
        if (k <= 0) return new int[0];
        int[] best = new int[k];
        float[] val = new float[k];
        int count = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (Float.isNaN(v) || (count == k && !(v > val[k - 1]))) continue;
            int j = count < k ? count++ : k - 1;
            while (j > 0 && v > val[j - 1]) {  // strict: an equal value keeps its lower id in front
                val[j] = val[j - 1];
                best[j] = best[j - 1];
                j--;
            }
            val[j] = v;
            best[j] = i;
        }
        return count == k ? best : Arrays.copyOf(best, count);
    }
}
