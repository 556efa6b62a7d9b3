package io.sirocco.model;

/** Element-wise steps of the forward pass, on rows of heap float arrays. */
public final class Ops {
    private Ops() {}

    /** out[o..o+n) = x[xo..xo+n) · rsqrt(mean(x²) + eps) ⊙ w; sums in double as the reference does in fp32/fp64. */
    public static void rmsNorm(float[] x, int xo, float[] w, float eps, float[] out, int o, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += (double) x[xo + i] * x[xo + i];
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) out[o + i] = x[xo + i] * scale * w[i];
    }

    /** gate[i] = silu(gate[i]) · up[i] for i < n (SwiGLU). */
    public static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = (float) (g / (1.0 + Math.exp(-g))) * up[i];
        }
    }

    /** a[i] += b[i] for i < n. */
    public static void add(float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) a[i] += b[i];
    }

    /** In-place softmax of x[o..o+n); returns nothing, max-subtracted for stability. */
    public static void softmax(float[] x, int o, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[o + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[o + i] - max);
            x[o + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) x[o + i] *= inv;
    }
}
