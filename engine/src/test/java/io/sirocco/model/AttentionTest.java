package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import java.util.Random;
import org.assertj.core.data.Offset;
import io.sirocco.engine.KvType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AttentionTest {
    @ParameterizedTest
    @EnumSource(KvType.class)
    void vectorisedAttentionMatchesTheReference(KvType type) {
        int heads = 4, kvHeads = 2, hd = 64 + 32;  // 96: not a multiple of 64 lanes' worth, and a whole number of q8_0 blocks
        ModelConfig c = new ModelConfig(Architecture.LLAMA, heads * hd, 1, heads, kvHeads, hd, 64, 100, 1e-5f, 1e6,
                RopeStyle.values()[0], 0, false, 1, 2);
        KvCache cache = new KvCache(1, kvHeads * hd, hd, 4, 8, type);
        Random rnd = new Random(3);
        float[] k = new float[kvHeads * hd], v = new float[kvHeads * hd];
        for (int slot = 0; slot < 4 * 8; slot++) {
            for (int i = 0; i < k.length; i++) {
                k[i] = rnd.nextFloat() * 2 - 1;
                v[i] = rnd.nextFloat() * 2 - 1;
            }
            cache.write(0, slot, k, 0, v, 0);
        }
        KvCache.SequenceKv a = new KvCache.SequenceKv(), b = new KvCache.SequenceKv();
        assertThat(cache.reserve(a, 9)).isTrue();
        assertThat(cache.reserve(b, 3)).isTrue();
        Batch batch = new Batch(new int[] {5, 6, 7}, new int[] {7, 8, 2}, new KvCache.SequenceKv[] {a, a, b}, new int[] {2});
        float[] q = new float[3 * heads * hd];
        for (int i = 0; i < q.length; i++) q[i] = rnd.nextFloat() * 4 - 2;
        float[] expected = new float[q.length], actual = new float[q.length];
        Attention.runReference(c, cache, 0, batch, q, expected);
        try (WorkerPool pool = new WorkerPool(2)) {
            Attention.run(c, cache, 0, batch, q, actual, pool);
        }
        for (int i = 0; i < q.length; i++) assertThat(actual[i]).as("out[%d]", i).isCloseTo(expected[i], Offset.offset(1e-5f));
    }
}
