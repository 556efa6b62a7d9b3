package io.sirocco.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sirocco.model.RopeStyle;
import io.sirocco.parallel.WorkerPool;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vision encoder's kernels against plain references on random data. */
class VisionKernelsTest {

    @Test
    void blockDiagonalAttentionMatchesScalarReference() {
        Random rnd = new Random(7);
        try (WorkerPool pool = new WorkerPool(2)) {
            // hd 16 and 64 (real), and 12 (not a multiple of the vector width); images of 1, 6, 13 and 4 tokens.
            for (int hd : new int[] {16, 64, 12}) {
                int nHeads = 3;
                int[] segments = {0, 1, 7, 20, 24};
                int n = segments[segments.length - 1], width = nHeads * hd;
                float[] q = random(rnd, n * width), k = random(rnd, n * width), v = random(rnd, n * width);
                float[] fast = new float[n * width], ref = new float[n * width];
                VisionAttention.run(q, k, v, nHeads, hd, segments, fast, pool);
                VisionAttention.reference(q, k, v, nHeads, hd, segments, ref);
                for (int i = 0; i < fast.length; i++) assertThat(fast[i]).as("hd %d index %d", hd, i).isCloseTo(ref[i], within(1e-5f));
            }
        }
    }

    @Test
    void attentionDoesNotCrossImages() {
        // Changing the second image's keys/values leaves the first image's outputs untouched.
        Random rnd = new Random(3);
        int nHeads = 2, hd = 16, width = nHeads * hd;
        int[] segments = {0, 5, 9};
        float[] q = random(rnd, 9 * width), k = random(rnd, 9 * width), v = random(rnd, 9 * width);
        float[] a = new float[9 * width], b = new float[9 * width];
        try (WorkerPool pool = new WorkerPool(1)) {
            VisionAttention.run(q, k, v, nHeads, hd, segments, a, pool);
            for (int i = 5 * width; i < 9 * width; i++) {
                k[i] += 1;
                v[i] -= 2;
            }
            VisionAttention.run(q, k, v, nHeads, hd, segments, b, pool);
        }
        for (int i = 0; i < 5 * width; i++) assertThat(b[i]).isEqualTo(a[i]);
    }

    @Test
    void erfMatchesKnownValues() {
        double[][] table = {{0, 0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
                {1.5, 0.9661051464753108}, {2, 0.9953222650189527}, {2.4999, 0.9995928300996666}, {2.5, 0.9995930479825550},
                {3, 0.9999779095030014}, {4, 0.9999999845827421}, {5.9, 1.0}, {8, 1.0}};
        for (double[] row : table) {
            double tol = 1e-14;  // values from Python math.erf
            assertThat(Gelu.erf(row[0])).as("erf(%s)", row[0]).isCloseTo(row[1], within(tol));
            assertThat(Gelu.erf(-row[0])).as("erf(-%s)", row[0]).isCloseTo(-row[1], within(tol));
        }
        // Continuity across the switch from series to continued fraction.
        assertThat(Gelu.erf(Math.nextDown(2.5))).isCloseTo(Gelu.erf(2.5), within(1e-15));
    }

    @Test
    void geluIsExactNotTanh() {
        // GELU(1) = 0.5 (1 + erf(1/√2)) = 0.8413447460685429; the tanh approximation gives 0.8411919906.
        assertThat(Gelu.gelu(1)).isCloseTo(0.8413447460685429, within(1e-15));
        assertThat(Gelu.gelu(-3)).isCloseTo(-0.00404969409489031, within(1e-15));
        float[] x = {-1, 0, 2};
        Gelu.apply(x, 0, 3);
        assertThat(x).containsExactly((float) Gelu.gelu(-1), 0f, (float) Gelu.gelu(2));
    }

    @Test
    void patchMergerOrderIsChannelMajor() {
        int hp = 4, wp = 6, H = 3, m = 2;
        float[] h = new float[(1 + hp * wp) * H];
        for (int i = 0; i < h.length; i++) h[i] = i;
        float[] out = new float[(hp / m) * (wp / m) * H * m * m];
        PatchMerger.gather(h, 1, hp, wp, H, m, out, 0);  // the image starts at patch row 1
        for (int mr = 0; mr < hp / m; mr++)
            for (int mc = 0; mc < wp / m; mc++)
                for (int c = 0; c < H; c++)
                    for (int ki = 0; ki < m; ki++)
                        for (int kj = 0; kj < m; kj++) {
                            int patch = 1 + (m * mr + ki) * wp + m * mc + kj;
                            assertThat(out[(mr * (wp / m) + mc) * H * m * m + c * m * m + ki * m + kj]).isEqualTo(h[patch * H + c]);
                        }
    }

    @Test
    void rope2dLayoutsAgreeUnderTheHfPermutation() {
        // HF row t·(hd/2) + j = native row 2j + t (spec §1.4): the half-split rotation of permuted lanes equals the
        // interleaved rotation of native lanes.
        int hd = 16, heads = 2;
        int[] rows = {0, 3, 7}, cols = {5, 1, 9};
        Rope2d interleaved = new Rope2d(1e4, hd, rows, cols, RopeStyle.INTERLEAVED);
        Rope2d halfSplit = new Rope2d(1e4, hd, rows, cols, RopeStyle.HALF_SPLIT);
        Random rnd = new Random(1);
        for (int t = 0; t < rows.length; t++) {
            float[] nat = random(rnd, heads * hd), hf = new float[heads * hd];
            for (int h = 0; h < heads; h++)
                for (int j = 0; j < hd / 2; j++)
                    for (int s = 0; s < 2; s++) hf[h * hd + s * hd / 2 + j] = nat[h * hd + 2 * j + s];
            interleaved.apply(nat, 0, heads, t);
            halfSplit.apply(hf, 0, heads, t);
            for (int h = 0; h < heads; h++)
                for (int j = 0; j < hd / 2; j++)
                    for (int s = 0; s < 2; s++) assertThat(hf[h * hd + s * hd / 2 + j]).isEqualTo(nat[h * hd + 2 * j + s]);
        }
    }

    @Test
    void rope2dAnglesFollowRowsThenColumns() {
        // hd 8: slots 0,1 turn by row·θ[0], row·θ[2]; slots 2,3 by col·θ[1], col·θ[3]; θ[j] = theta^(−2j/8).
        int hd = 8;
        Rope2d rope = new Rope2d(100, hd, new int[] {2}, new int[] {3}, RopeStyle.INTERLEAVED);
        float[] x = {1, 0, 1, 0, 1, 0, 1, 0};
        rope.apply(x, 0, 1, 0);
        double[] angles = {2 * 1.0, 2 * Math.pow(100, -4.0 / 8), 3 * Math.pow(100, -2.0 / 8), 3 * Math.pow(100, -6.0 / 8)};
        for (int k = 0; k < 4; k++) {
            assertThat(x[2 * k]).isCloseTo((float) Math.cos(angles[k]), within(1e-6f));
            assertThat(x[2 * k + 1]).isCloseTo((float) Math.sin(angles[k]), within(1e-6f));
        }
    }

    static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rnd.nextGaussian();
        return x;
    }
}
