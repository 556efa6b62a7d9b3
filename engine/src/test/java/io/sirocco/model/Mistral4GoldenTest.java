package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.GoldenGeneration;
import io.sirocco.testing.TestData;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Greedy generation of the public mistral-small4 prompts (MLA + MoE + YaRN + Llama-4 scale) from every format. */
class Mistral4GoldenTest {
    static final String DIR = "mistral-small4/";
    static WorkerPool pool;

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    static Stream<Arguments> models() {
        String gguf = DIR + "gguf/synth-mistral-small-4-tiny-mistral4-";
        return Stream.of(
                // model, golden file, golden block for the short prompts, whether to run plain_long_8k
                Arguments.of(DIR + "native", DIR + "generation.json", "steps", true),
                Arguments.of(gguf + "F32.gguf", DIR + "generation.json", "steps", false),
                // Quantized: f32 activations on the dequantized weights = the float64 reference's own greedy run (README §7.3).
                Arguments.of(gguf + "Q8_0.gguf", DIR + "generation-Q8_0.json", "numpy_greedy", false),
                Arguments.of(gguf + "Q4_K_M.gguf", DIR + "generation-Q4_K_M.json", "numpy_greedy", false));
    }

    @ParameterizedTest(name = "{0} vs {1} [{2}]")
    @MethodSource("models")
    void greedyMatchesGolden(String model, String golden, String block, boolean longPrompt) {
        try (Model m = Model.load(TestData.file(model))) {
            assertThat(m.decoder()).isInstanceOf(Mistral4Decoder.class);
            double worst = 0;
            int n = 0;
            for (JsonNode prompt : GoldenGeneration.prompts(TestData.file(golden))) {
                if (!prompt.get("split").asText().equals("public")) continue;
                boolean isLong = prompt.get("name").asText().equals("plain_long_8k");
                if (isLong && !longPrompt) continue;
                // The long prompt: our RoPE angles are float64, so the reference's own greedy run is the golden (README §7.2).
                JsonNode g = isLong || block.equals("numpy_greedy") ? prompt.get("numpy_greedy") : prompt;
                worst = Math.max(worst, GoldenGeneration.check(m, pool, prompt, g, 1e-4));
                n++;
            }
            System.out.printf("%s: %d prompts, max |Δ logprob| %.2e%n", model, n, worst);
            assertThat(n).isGreaterThan(0);
        }
    }
}
