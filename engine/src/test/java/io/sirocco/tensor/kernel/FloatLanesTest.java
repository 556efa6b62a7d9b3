package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/**
 * FloatLanes against its scalar twins bit for bit, on every call of a loop long enough for C2 to compile the vector
 * code (a tier that computed other bits would fail it), and exp against Math.exp for accuracy.
 */
class FloatLanesTest {
    static final int CALLS = 40_000;

    @Test
    void sumIsTheFixedTreeInEveryTier() {
        for (VectorSpecies<Float> sp : java.util.List.of(FloatVector.SPECIES_512, FloatVector.SPECIES_256, FloatVector.SPECIES_128, FloatVector.SPECIES_64)) {
            if (sp.vectorBitSize() > FloatVector.SPECIES_PREFERRED.vectorBitSize()) continue;
            Random r = new Random(sp.length());
            float[] lanes = new float[sp.length()];
            int orderMatters = 0;
            for (int call = 0; call < CALLS; call++) {
                for (int i = 0; i < lanes.length; i++) lanes[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
                float expected = FloatLanes.sum(lanes);
                float actual = FloatLanes.sum(FloatVector.fromArray(sp, lanes, 0));
                if (Float.floatToIntBits(actual) != Float.floatToIntBits(expected))
                    assertThat(actual).as("%s call %d", sp, call).isEqualTo(expected);
                float inOrder = 0;
                for (float v : lanes) inOrder += v;
                if (inOrder != expected) orderMatters++;
            }
            if (sp.length() >= 4)  // with two lanes every order gives a + b
                assertThat(orderMatters).as("data on which the order of the additions changes the sum").isPositive();
        }
    }

    @Test
    void expIsItsScalarTwinInEveryTierAndWithinTwoUlp() {
        int n = FloatVector.SPECIES_PREFERRED.length();
        Random r = new Random(7);
        float[] x = new float[n], out = new float[n];
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f, 88.72283f,
                88.72284f, 89f, 100f, -87.33654f, -103.9f, -103.98f, -104f, -150f, 1e-8f, -1e-8f, 0.34657359f, -0.34657359f};
        double worstUlp = 0;
        for (int call = 0; call < CALLS; call++) {
            for (int i = 0; i < n; i++) {
                int k = call * n + i;
                x[i] = k < specials.length ? specials[k] : (float) (r.nextDouble() * 200 - 108);
            }
            FloatLanes.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, 0)).intoArray(out, 0);
            for (int i = 0; i < n; i++) {
                float twin = FloatLanes.exp(x[i]);
                if (Float.floatToIntBits(out[i]) != Float.floatToIntBits(twin))
                    assertThat(out[i]).as("exp(%s), call %d", x[i], call).isEqualTo(twin);
                double exact = Math.exp(x[i]);
                if (Double.isNaN(exact)) {
                    assertThat(twin).isNaN();
                } else if (exact > Float.MAX_VALUE * (1 + 0x1p-25)) {
                    assertThat(twin).as("exp(%s)", x[i]).isEqualTo(Float.POSITIVE_INFINITY);
                } else {
                    double ulp = Math.ulp((float) exact);
                    double err = Math.abs(twin - exact) / Math.max(ulp, Float.MIN_VALUE);
                    assertThat(err).as("exp(%s) = %s, exact %s", x[i], twin, exact).isLessThanOrEqualTo(2.0);
                    worstUlp = Math.max(worstUlp, err);
                }
            }
        }
        assertThat(worstUlp).as("the check saw rounding at all").isGreaterThan(0.3);
    }

    @Test
    void siluIsItsScalarTwinInEveryTier() {
        int n = FloatVector.SPECIES_PREFERRED.length();
        Random r = new Random(11);
        float[] g = new float[n], out = new float[n];
        for (int call = 0; call < CALLS; call++) {
            for (int i = 0; i < n; i++) g[i] = (float) (r.nextGaussian() * 4);
            FloatLanes.silu(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, g, 0)).intoArray(out, 0);
            for (int i = 0; i < n; i++) {
                float twin = FloatLanes.silu(g[i]);
                if (Float.floatToIntBits(out[i]) != Float.floatToIntBits(twin))
                    assertThat(out[i]).as("silu(%s), call %d", g[i], call).isEqualTo(twin);
                assertThat((double) twin).isCloseTo(g[i] / (1 + Math.exp(-g[i])), org.assertj.core.data.Offset.offset(1e-6 * (1 + Math.abs(g[i]))));
            }
        }
    }
}
