package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.engine.KvCache;
import io.sirocco.format.gguf.GgufFile;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.Logprobs;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import io.sirocco.tokenizer.TekkenGgufVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Small-4-shaped bench writer: llama.cpp's mistral4 layout, loads, and decodes like the float64 reference. */
class SyntheticMistral4ModelTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q4_K"})
    void tinyModelLoadsAndGenerates(GgmlType type, @TempDir Path dir) {
        Path file = dir.resolve("small4-tiny.gguf");
        SyntheticMistral4Model.Spec spec = SyntheticMistral4Model.Spec.tiny(type);
        SyntheticMistral4Model.write(file, spec, TekkenGgufVocabulary.byteLevel(40));
        assertThat(Files.exists(file.resolveSibling("small4-tiny.gguf.scratch"))).isFalse();

        try (GgufFile g = GgufFile.open(file)) {  // the layout of testdata mistral-small4 README §4.1
            Map<String, Object> m = g.metadata();
            assertThat(m).containsEntry("general.architecture", "mistral4").containsEntry("mistral4.attention.head_count_kv", 1L)
                    .containsEntry("mistral4.attention.key_length", 48L).containsEntry("mistral4.attention.value_length", 32L)
                    .containsEntry("mistral4.attention.key_length_mla", 32L).containsEntry("mistral4.attention.value_length_mla", 32L)
                    .containsEntry("mistral4.expert_count", 16L).containsEntry("mistral4.rope.dimension_count", 16L);
            assertThat(g.tensor("blk.1.ffn_gate_up_exps.weight").orElseThrow().shape()).containsExactly(16, 512, 256);
            assertThat(g.tensor("blk.1.ffn_down_exps.weight").orElseThrow().shape()).containsExactly(16, 256, 256);
            assertThat(g.tensor("blk.0.attn_k_b.weight").orElseThrow().shape()).containsExactly(8, 32, 16);
            assertThat(g.tensor("blk.0.attn_v_b.weight").orElseThrow().shape()).containsExactly(8, 32, 32);
            assertThat(g.tensor("blk.0.attn_q_b.weight").orElseThrow().type()).isEqualTo(type);
            assertThat(g.tensor("blk.0.ffn_gate_inp.weight").orElseThrow().type()).isEqualTo(GgmlType.F32);
        }

        try (WorkerPool pool = new WorkerPool(2); Model model = Model.load(file)) {
            Mistral4Decoder dec = (Mistral4Decoder) model.decoder();
            assertThat(model.config().mistral4().mla()).isEqualTo(new Mistral4Params.Mla(256, 32, 16, 16, 32));
            int[] ids = {1, 100, 200, 41, 295, 7};
            KvCache cache = KvCache.forTokens(dec.cacheShape(), ids.length + 8);
            KvCache.SequenceKv seq = new KvCache.SequenceKv();
            cache.reserve(seq, ids.length + 8);
            float[] logits = dec.forward(Batch.ofSequence(ids, 0, seq), cache, pool);
            int[] seqIds = Arrays.copyOf(ids, ids.length + 2);
            double worst = 0;
            for (int p = ids.length; p < seqIds.length; p++) {  // greedy decode, each step checked against the float64 reference
                double[] ref = new Mistral4Test.ExpandedReference(dec).logits(Arrays.copyOf(seqIds, p));
                float[] lp = Mistral4Test.logprobs(logits);
                double lse = Mistral4Test.logSumExp(ref);
                for (int v = 0; v < ref.length; v++) worst = Math.max(worst, Math.abs(lp[v] - (ref[v] - lse)));
                seqIds[p] = Logprobs.topK(lp, 0, lp.length, 1)[0];
                logits = dec.forward(Batch.ofSequence(new int[] {seqIds[p]}, p, seq), cache, pool);
                assertThat(dec.weightReadsLastStep().routedExpertsRead()).isEqualTo(2 * 4);
            }
            assertThat(worst).as("max |Δ logprob| vs float64 reference").isLessThan(1e-4);
            assertThat(logits).doesNotContain(Float.NaN);
        }
    }
}
