package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import org.junit.jupiter.api.Test;

/** The decoder's per-step count of weight bytes: one decode token reads 4 routed experts per layer, plus the rest. */
class Mistral4WeightReadsTest {

    @Test
    void decodeStepReadsOnlyTheChosenExperts() {
        try (WorkerPool pool = new WorkerPool(2);
             Model m = Model.load(TestData.file("mistral-small4/gguf/synth-mistral-small-4-tiny-mistral4-Q8_0.gguf"))) {
            Mistral4Decoder dec = (Mistral4Decoder) m.decoder();
            Mistral4Weights w = dec.weights();
            int layers = m.config().nLayers(), k = m.config().mistral4().moe().expertsPerToken();
            int[] prompt = {1, 3680, 1368, 6610, 1261, 2142, 34, 37};
            KvCache cache = KvCache.forTokens(dec.cacheShape(), prompt.length + 1);
            KvCache.SequenceKv seq = new KvCache.SequenceKv();
            cache.reserve(seq, prompt.length + 1);

            dec.forward(Batch.ofSequence(prompt, 0, seq), cache, pool);
            var prefill = dec.weightReadsLastStep();
            assertThat(prefill.routedExpertsRead()).isGreaterThan(layers * k);  // 8 tokens choose more than 4 experts per layer

            dec.forward(Batch.ofSequence(new int[] {2142}, prompt.length, seq), cache, pool);
            var step = dec.weightReadsLastStep();
            long expert = MoeFeedForward.bytes(w.layers().get(0).experts().get(0));
            assertThat(expert).isEqualTo(2 * 8 * 68 + 64 * 8 * 2);  // Q8_0 gate+up rows of 64 (68 bytes), F16 down rows of 8
            assertThat(step.routedExpertsRead()).isEqualTo(layers * k);
            assertThat(step.routedExperts()).isEqualTo((long) layers * k * expert);
            assertThat(step.sharedExperts()).isEqualTo(layers * MoeFeedForward.bytes(w.layers().get(0).shared()));
            assertThat(step.router()).isEqualTo(layers * w.layers().get(0).router().data().byteSize());
            assertThat(step.embeddings()).isEqualTo(w.tokEmbeddings().rowBytes());
            assertThat(step.output()).isEqualTo(w.output().data().byteSize() + 4L * 64);
            long attention = 0;
            for (Mistral4Weights.Layer lw : w.layers()) {
                attention += lw.wqA().data().byteSize() + lw.wqB().data().byteSize() + lw.wkvA().data().byteSize() + lw.wo().data().byteSize()
                        + 4L * (lw.wUk().length + lw.wUv().length + 64 + 32 + 16 + 64);
            }
            assertThat(step.attention()).isEqualTo(attention);
            assertThat(dec.bytesReadLastStep()).isEqualTo(step.total()).isEqualTo(step.embeddings() + attention + step.router()
                    + step.routedExperts() + step.sharedExperts() + step.output());
            // All 128 experts of both layers would be 64× the routed bytes.
            assertThat(step.routedExperts() * 32).isEqualTo((long) layers * 128 * expert);
        }
    }
}
