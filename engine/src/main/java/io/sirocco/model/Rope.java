package io.sirocco.model;

/**
 * Rotary position embedding for one batch: cos/sin of angle pos·θ_i (θ_i = theta^(−2i/headDim)) computed once per
 * forward step in double and applied to every head of every layer.
 */
public final class Rope {
    private final RopeStyle style;
    private final int half;      // headDim / 2 rotated pairs
    private final float[] cos;   // (T, half)
    private final float[] sin;   // (T, half)

    public Rope(double[] invFreq, RopeStyle style, int[] positions) {
        this.style = style;
        this.half = invFreq.length;
        this.cos = new float[positions.length * half];
        this.sin = new float[positions.length * half];
        for (int t = 0; t < positions.length; t++) {
            for (int i = 0; i < half; i++) {
                double a = positions[t] * invFreq[i];
                cos[t * half + i] = (float) Math.cos(a);
                sin[t * half + i] = (float) Math.sin(a);
            }
        }
    }

    /** θ_i = theta^(−2i/dim) for i < dim/2 (mistral-inference precompute_freqs_cis). */
    public static double[] inverseFrequencies(double theta, int dim) {
        double[] f = new double[dim / 2];
        for (int i = 0; i < f.length; i++) f[i] = 1.0 / Math.pow(theta, (2.0 * i) / dim);
        return f;
    }

    /** Rotates the {@code heads} consecutive heads of width 2·half starting at x[off], for batch token t. */
    public void apply(float[] x, int off, int heads, int t) {
        int hd = 2 * half;
        int c = t * half;
        for (int h = 0; h < heads; h++) {
            int base = off + h * hd;
            for (int i = 0; i < half; i++) {
                int a = style == RopeStyle.INTERLEAVED ? base + 2 * i : base + i;
                int b = style == RopeStyle.INTERLEAVED ? a + 1 : a + half;
                float x0 = x[a], x1 = x[b];
                x[a] = x0 * cos[c + i] - x1 * sin[c + i];
                x[b] = x0 * sin[c + i] + x1 * cos[c + i];
            }
        }
    }
}
