package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Vector MLA products against their scalar references on random data, at real and odd sizes (vector tails). */
class MlaKernelsTest {

    @Test
    void absorbQueryAndProjectValuesMatchScalar() {
        Random rnd = new Random(11);
        int[][] sizes = {{64, 256, 128, 32}, {16, 16, 32, 4}, {7, 37, 13, 3}};  // nope, lat, v, heads
        for (int[] sz : sizes) {
            int nope = sz[0], lat = sz[1], vd = sz[2], heads = sz[3];
            float[] wUk = random(rnd, heads * nope * lat), wUv = random(rnd, heads * vd * lat), q = random(rnd, heads * nope + 5), ctx = random(rnd, lat);
            for (int h = 0; h < heads; h++) {
                float[] a = new float[lat + 3], b = new float[lat + 3];
                MlaKernels.absorbQuery(wUk, h * nope * lat, q, 5 + h * nope, nope, lat, 0.37f, a, 3);
                MlaKernels.absorbQueryScalar(wUk, h * nope * lat, q, 5 + h * nope, nope, lat, 0.37f, b, 3);
                for (int j = 0; j < lat + 3; j++) assertThat(a[j]).as("qc[%d] %s", j, java.util.Arrays.toString(sz)).isCloseTo(b[j], within(b[j], nope));
                float[] c = new float[vd + 2], d = new float[vd + 2];
                MlaKernels.projectValues(wUv, h * vd * lat, ctx, vd, lat, c, 2);
                MlaKernels.projectValuesScalar(wUv, h * vd * lat, ctx, vd, lat, d, 2);
                for (int v = 0; v < vd + 2; v++) assertThat(c[v]).as("out[%d]", v).isCloseTo(d[v], within(d[v], lat));
            }
        }
    }

    /** Summation-order tolerance: a few ulps per term. */
    private static org.assertj.core.data.Offset<Float> within(float ref, int terms) {
        return org.assertj.core.data.Offset.offset(Math.max(1e-6f, terms * 4 * Math.ulp(Math.abs(ref) + 1)));
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian());
        return x;
    }
}
