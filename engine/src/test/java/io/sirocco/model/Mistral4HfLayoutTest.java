package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.Tensor;
import io.sirocco.testing.GoldenGeneration;
import io.sirocco.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The native Small 4 test model rewritten into the Hugging Face layout loads to the same config and reproduces the goldens. */
class Mistral4HfLayoutTest {

    @ParameterizedTest(name = "vision wrapper {0}")
    @ValueSource(booleans = {true, false})
    void hfLayoutReproducesNativeGoldens(boolean vision, @TempDir Path dir) throws Exception {
        HfMistral4Converter.convert(TestData.file("mistral-small4/native"), dir, vision);
        try (WorkerPool pool = new WorkerPool(2);
             Model hf = Model.load(dir, TestData.file("mistral-small4/native/tekken.json"));
             Model nat = Model.load(TestData.file("mistral-small4/native"))) {
            assertThat(hf.format()).isEqualTo("hf");
            assertThat(hf.config()).isEqualTo(nat.config());
            assertThat(hf.decoder()).isInstanceOf(Mistral4Decoder.class);

            // Experts are views into the stacked tensors of the mapped file, not copies.
            Mistral4Weights.Layer l1 = ((Mistral4Decoder) hf.decoder()).weights().layers().get(1);
            Tensor gateUp = hf.tensors().stream().filter(t -> t.name().endsWith("layers.1.mlp.experts.gate_up_proj")).findFirst().orElseThrow();
            Mistral4Weights.Expert e5 = l1.experts().get(5);
            long base = gateUp.data().address(), rowBytes = gateUp.rowBytes(), hid = e5.w1().rows();
            assertThat(gateUp.data().isNative()).isTrue();
            assertThat(e5.w1().data().address()).isEqualTo(base + 5 * 2 * hid * rowBytes);
            assertThat(e5.w3().data().address()).isEqualTo(base + (5 * 2 + 1) * hid * rowBytes);

            int n = 0;
            for (JsonNode prompt : GoldenGeneration.prompts(TestData.file("mistral-small4/generation.json"))) {
                if (!prompt.get("split").asText().equals("public") || prompt.get("name").asText().equals("plain_long_8k")) continue;
                if (!vision && n == 3) break;  // the same tensors under other names: three prompts suffice
                GoldenGeneration.check(hf, pool, prompt, prompt, 1e-4);
                n++;
            }
            assertThat(n).isEqualTo(vision ? 9 : 3);
        }
    }
}
