package io.sirocco.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.Quantizer;
import io.sirocco.tensor.kernel.ScalarKernels;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each KV storage type against a plain reference: round-trip through the ggml quantizer of the same type, then f32 math. */
class KvStorageTest {
    static final int LAYERS = 2, HEAD = 64, KV_DIM = 2 * HEAD, SLOTS = 10;

    /** What a stored row must read back as: the value after a round trip through ggml's format of that type. */
    static float[] reference(KvType type, float[] x) {
        if (type == KvType.F32) return x.clone();
        GgmlType g = switch (type) {
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            case Q8_0 -> GgmlType.Q8_0;
            case F32 -> throw new AssertionError();
        };
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Quantizer.tensor("x", g, new long[] {1, x.length}, x, arena);
            float[] out = new float[x.length];
            ScalarKernels.dequantizeRow(t, 0, out, 0);
            return out;
        }
    }

    @ParameterizedTest
    @EnumSource(KvType.class)
    void readsBackWhatTheReferenceFormatStores(KvType type) {
        SplittableRandom rnd = new SplittableRandom(type.ordinal());
        KvCache cache = new KvCache(LAYERS, KV_DIM, HEAD, 4, 3, type);
        float[][] k = new float[SLOTS][], v = new float[SLOTS][];
        for (int s = 0; s < SLOTS; s++) {
            k[s] = random(rnd, KV_DIM);
            v[s] = random(rnd, KV_DIM);
            cache.write(1, s, k[s], 0, v[s], 0);
        }
        float[] q = random(rnd, 3 + HEAD);
        for (int s = 0; s < SLOTS; s++) {
            float[] kr = reference(type, k[s]), vr = reference(type, v[s]);
            for (int head = 0; head < 2; head++) {
                double want = 0;
                for (int i = 0; i < HEAD; i++) want += (double) q[3 + i] * kr[head * HEAD + i];
                assertThat((double) cache.dotKey(1, s, head * HEAD, q, 3, HEAD)).as("%s slot %d head %d", type, s, head)
                        .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-4));
                float[] out = new float[HEAD + 1];
                out[1] = 0.5f;
                cache.addValue(1, s, head * HEAD, 0.25f, out, 1, HEAD);
                for (int i = 0; i < HEAD; i++) {
                    float expected = (i == 0 ? 0.5f : 0f) + 0.25f * vr[head * HEAD + i];
                    assertThat(out[1 + i]).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6f));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(KvType.class)
    void layersAreIndependent(KvType type) {
        KvCache cache = new KvCache(LAYERS, KV_DIM, HEAD, 4, 1, type);
        float[] ones = new float[KV_DIM];
        java.util.Arrays.fill(ones, 1f);
        cache.write(0, 2, ones, 0, ones, 0);
        assertThat(cache.dotKey(1, 2, 0, ones, 0, HEAD)).isZero();
        assertThat(cache.dotKey(0, 2, 0, ones, 0, HEAD)).isCloseTo(HEAD, org.assertj.core.data.Offset.offset(0.01f));  // q8_0: f16 scale
    }

    @org.junit.jupiter.api.Test
    void q8NeedsWholeBlocksPerHead() {
        assertThatThrownBy(() -> new KvCache(1, 48, 48, 4, 1, KvType.Q8_0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("multiple of 32");
        assertThat(KvType.parse("Q8_0")).isEqualTo(KvType.Q8_0);
        assertThatThrownBy(() -> KvType.parse("q4")).hasMessageContaining("unknown KV cache type");
    }

    static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * 2);
        return x;
    }
}
