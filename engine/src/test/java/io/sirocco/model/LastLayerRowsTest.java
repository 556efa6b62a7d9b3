package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The last layer's feed-forward runs only on the rows that give logits. Asking for a few rows must give exactly the
 * logits those rows have when every row is asked for (to rounding), and asking for none must still fill the KV cache
 * the same way.
 */
class LastLayerRowsTest {
    static WorkerPool pool;

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mistral-tiny/native", "mistral-small4/native"})
    void someRowsEqualTheSameRowsOfAll(String dir) {
        try (Model model = Model.load(TestData.file(dir))) {
            Decoder dec = model.decoder();
            int vocab = (int) dec.outputRows();
            int[] ids = {1, 17, 29, 101, 7, 64, 33, 250, 12, 5, 77};
            float[] all = run(dec, ids, IntStream.range(0, ids.length).toArray(), null);
            int[] some = {2, 9, 4};
            float[] part = run(dec, ids, some, null);
            for (int i = 0; i < some.length; i++)
                assertThat(maxDiff(part, i * vocab, all, some[i] * vocab, vocab)).as("row %d", some[i]).isLessThan(1e-4f);

            // No logits from the prompt chunk: the next token still sees the same cache, so its logits are unchanged.
            float[] next = run(dec, ids, new int[0], 42), reference = run(dec, ids, new int[] {ids.length - 1}, 42);
            assertThat(maxDiff(next, 0, reference, 0, vocab)).isLessThan(1e-4f);
        }
    }

    /**
     * Largest |a - b| over n logits. Not exact equality: the Vector API's lane reductions may add in another order
     * before and after C2 compiles them, so two identical runs can differ in the last bits.
     */
    private static float maxDiff(float[] a, int ao, float[] b, int bo, int n) {
        float worst = 0;
        for (int i = 0; i < n; i++) worst = Math.max(worst, Math.abs(a[ao + i] - b[bo + i]));
        return worst;
    }

    /** Logits of {@code rows} of the prompt; with {@code then} set, the logits of that token decoded after the prompt instead. */
    private static float[] run(Decoder dec, int[] ids, int[] rows, Integer then) {
        KvCache cache = KvCache.forTokens(dec.cacheShape(), ids.length + 1);
        KvCache.SequenceKv seq = new KvCache.SequenceKv();
        cache.reserve(seq, ids.length + 1);
        KvCache.SequenceKv[] seqs = new KvCache.SequenceKv[ids.length];
        Arrays.fill(seqs, seq);
        float[] logits = dec.forward(new Batch(ids, IntStream.range(0, ids.length).toArray(), seqs, rows), cache, pool);
        if (then == null) return logits;
        return dec.forward(Batch.ofSequence(new int[] {then}, ids.length, seq), cache, pool);
    }
}
