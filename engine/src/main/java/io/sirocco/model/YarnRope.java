package io.sirocco.model;

/**
 * YaRN inverse frequencies (testdata mistral-small4 README §5.1, spec §5.4): the low-frequency lanes are divided by the
 * context-extension factor, the high-frequency lanes keep θ^(−2i/d), and a linear ramp blends the lanes between.
 * Mistral 4 applies no magnitude factor to cos/sin ({@code apply_scale} false).
 */
public final class YarnRope {
    private YarnRope() {}

    /** f_i for i < dim/2, to be used with {@link Rope} on the rope lanes (adjacent pairs). */
    public static double[] inverseFrequencies(double theta, int dim, Mistral4Params.Yarn y) {
        double low = Math.max(Math.floor(correctionDim(y.betaFast(), dim, theta, y.originalMaxPositions())), 0);
        double high = Math.min(Math.ceil(correctionDim(y.betaSlow(), dim, theta, y.originalMaxPositions())), dim - 1);
        double span = high == low ? 0.001 : high - low;  // avoids 0/0 when the ramp collapses to one lane
        double[] base = Rope.inverseFrequencies(theta, dim);
        double[] f = new double[dim / 2];
        for (int i = 0; i < f.length; i++) {
            double ramp = Math.clamp((i - low) / span, 0.0, 1.0);
            f[i] = base[i] * (1 - ramp) + base[i] / y.factor() * ramp;
        }
        return f;
    }

    /** The lane whose wavelength fits {@code rotations} times into the original context: d·ln(L / (2π·rotations)) / (2 ln θ). */
    static double correctionDim(double rotations, int dim, double theta, int originalMaxPositions) {
        return dim * Math.log(originalMaxPositions / (2 * Math.PI * rotations)) / (2 * Math.log(theta));
    }
}
