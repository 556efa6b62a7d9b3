package io.sirocco.vision;

/**
 * Exact GELU, {@code x · Φ(x) = x/2 · (1 + erf(x/√2))} (PyTorch {@code nn.GELU()} default, the Pixtral adapter's
 * activation); not the tanh approximation llama.cpp uses. Java has no {@code erf}, so it is computed here in double.
 */
public final class Gelu {
    private Gelu() {}

    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_PI = 1.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

    /** x[i] = GELU(x[i]) for i in [off, off + n). */
    public static void apply(float[] x, int off, int n) {
        for (int i = off; i < off + n; i++) x[i] = (float) gelu(x[i]);
    }

    public static double gelu(double x) {
        return 0.5 * x * (1.0 + erf(x * INV_SQRT2));
    }

    /**
     * erf to about 1e-15: the Maclaurin series below 2.5 (terms stay below ~20, so cancellation costs under two digits),
     * the continued fraction of erfc from 2.5 to 6, and ±1 beyond (erfc(6) ≈ 2e-17).
     */
    public static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 2.5) {
            double x2 = a * a, term = a, sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;                      // (−1)^n a^(2n+1) / n!
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * sum) break;
            }
            r = TWO_OVER_SQRT_PI * sum;
        } else if (a < 6) {
            // erfc(a) = e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …))))), evaluated from the tail.
            double f = a;
            for (int n = 120; n >= 1; n--) f = a + (n * 0.5) / f;
            r = 1.0 - Math.exp(-a * a) * INV_SQRT_PI / f;
        } else {
            r = 1.0;
        }
        return Math.copySign(r, x);
    }
}
