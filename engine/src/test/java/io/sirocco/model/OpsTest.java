package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The element-wise steps against double-precision references on random data. */
class OpsTest {
    private final Random r = new Random(11);

    private float[] random(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    @Test
    void rmsNorm() {
        float[] x = random(67), w = random(67), out = new float[70];
        Ops.rmsNorm(x, 0, w, 1e-5f, out, 3, 67);
        double ss = 0;
        for (float v : x) ss += v * (double) v;
        double s = 1 / Math.sqrt(ss / 67 + 1e-5);
        for (int i = 0; i < 67; i++) assertThat((double) out[3 + i]).isCloseTo(x[i] * s * w[i], Offset.offset(1e-5));
    }

    @Test
    void softmaxAndSwiglu() {
        float[] x = random(33), copy = x.clone();
        Ops.softmax(x, 0, 33);
        double z = 0;
        for (float v : copy) z += Math.exp(v);
        for (int i = 0; i < 33; i++) assertThat((double) x[i]).isCloseTo(Math.exp(copy[i]) / z, Offset.offset(1e-6));
        int n = 203;  // vectors and a tail; a few gates far out where exp over- or underflows
        float[] g = random(n), u = random(n);
        g[5] = 120f;
        g[17] = -120f;
        g[40] = 30f;
        float[] g0 = g.clone();
        Ops.swiglu(g, u, n);
        for (int i = 0; i < n; i++)
            assertThat((double) g[i]).as("g=%s", g0[i]).isCloseTo(g0[i] / (1 + Math.exp(-g0[i])) * u[i], Offset.offset(1e-5 * Math.max(1, Math.abs(g0[i] * u[i]))));
    }

    @Test
    void ropeStylesAgreeUnderTheQkPermutation() {
        int hd = 16, heads = 2;
        double[] inv = Rope.inverseFrequencies(1e4, hd);
        float[] interleaved = random(heads * hd);
        // HF order: per head, row t·(hd/2) + j = native row 2j + t
        float[] half = new float[heads * hd];
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < hd / 2; j++)
                for (int t = 0; t < 2; t++) half[h * hd + t * (hd / 2) + j] = interleaved[h * hd + 2 * j + t];
        new Rope(inv, RopeStyle.INTERLEAVED, new int[] {37}).apply(interleaved, 0, heads, 0);
        new Rope(inv, RopeStyle.HALF_SPLIT, new int[] {37}).apply(half, 0, heads, 0);
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < hd / 2; j++)
                for (int t = 0; t < 2; t++)
                    assertThat(half[h * hd + t * (hd / 2) + j]).isCloseTo(interleaved[h * hd + 2 * j + t], Offset.offset(1e-6f));
    }
}
