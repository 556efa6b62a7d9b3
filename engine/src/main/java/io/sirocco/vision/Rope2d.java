package io.sirocco.vision;

import io.sirocco.model.RopeStyle;

/**
 * Pixtral's 2D rotary embedding (spec §2.4, mistral-inference {@code precompute_freqs_cis_2d}): a head of width hd has
 * hd/2 rotated slots; slot k &lt; hd/4 turns by {@code row · θ[2k]}, slot k ≥ hd/4 by {@code col · θ[2(k − hd/4) + 1]},
 * θ[j] = theta^(−2j/hd). Slot k pairs lanes (2k, 2k+1) in the native layout and (k, k + hd/2) in Hugging Face's
 * permuted one. Angles are computed in double once per encode.
 */
final class Rope2d {
    private final RopeStyle style;
    private final int half;     // hd / 2 slots
    private final float[] cos;  // (N, half)
    private final float[] sin;  // (N, half)

    /** @param rows, cols (N) patch coordinates of each token */
    Rope2d(double theta, int headDim, int[] rows, int[] cols, RopeStyle style) {
        this.style = style;
        this.half = headDim / 2;
        int quarter = headDim / 4;
        double[] freq = new double[half];
        for (int j = 0; j < half; j++) freq[j] = 1.0 / Math.pow(theta, (2.0 * j) / headDim);
        int n = rows.length;
        cos = new float[n * half];
        sin = new float[n * half];
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < half; k++) {
                double angle = k < quarter ? rows[t] * freq[2 * k] : cols[t] * freq[2 * (k - quarter) + 1];
                cos[t * half + k] = (float) Math.cos(angle);
                sin[t * half + k] = (float) Math.sin(angle);
            }
        }
    }

    /** Rotates {@code heads} consecutive heads of token t stored at x[off ..]. */
    void apply(float[] x, int off, int heads, int t) {
        int hd = 2 * half, c = t * half;
        boolean interleaved = style == RopeStyle.INTERLEAVED;
        for (int h = 0; h < heads; h++) {
            int base = off + h * hd;
            for (int k = 0; k < half; k++) {
                int a = interleaved ? base + 2 * k : base + k;
                int b = interleaved ? a + 1 : a + half;
                float x0 = x[a], x1 = x[b];
                x[a] = x0 * cos[c + k] - x1 * sin[c + k];
                x[b] = x0 * sin[c + k] + x1 * cos[c + k];
            }
        }
    }
}
