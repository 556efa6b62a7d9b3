package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.GoldenGeneration;
import io.sirocco.testing.TestData;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Greedy generation of every public golden prompt, from every format the goldens come in. */
class GoldenModelTest {
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
        String tiny = "mistral-tiny/generation.json";
        String tekken = "mistral-tiny/native/tekken.json";
        return Stream.of(
                // model, tokenizer override, golden file, golden block, τ
                Arguments.of("models/stories260K.gguf", null, "models/stories260K.generation.json", "steps", 1e-4),
                Arguments.of("mistral-tiny/native", null, tiny, "steps", 1e-4),
                Arguments.of("mistral-tiny/hf", tekken, tiny, "steps", 1e-4),
                Arguments.of("mistral-tiny/gguf/synth-mistral-small-3.2-tiny-mistral3-BF16.gguf", null, tiny, "steps", 1e-4),
                Arguments.of("mistral-tiny/gguf/synth-mistral-small-3.2-tiny-llama-BF16.gguf", null, tiny, "steps", 1e-4),
                // Quantized: we dequantize weights to f32 and keep f32 activations, so the float64 reference's own greedy
                // run on the dequantized weights is the golden (README §6); llama.cpp quantizes activations too.
                Arguments.of("mistral-q256/gguf/synth-mistral-small-3.2-q256-mistral3-Q8_0.gguf", null, "mistral-q256/generation-Q8_0.json", "numpy_greedy", 1e-4),
                Arguments.of("mistral-q256/gguf/synth-mistral-small-3.2-q256-mistral3-Q6_K.gguf", null, "mistral-q256/generation-Q6_K.json", "numpy_greedy", 1e-4),
                Arguments.of("mistral-q256/gguf/synth-mistral-small-3.2-q256-mistral3-Q4_K_M.gguf", null, "mistral-q256/generation-Q4_K_M.json", "numpy_greedy", 1e-4),
                Arguments.of("mistral-q256/gguf/synth-mistral-small-3.2-q256-mistral3-Q4_0.gguf", null, "mistral-q256/generation-Q4_0.json", "numpy_greedy", 1e-4));
    }

    @ParameterizedTest(name = "{0} vs {2} [{3}]")
    @MethodSource("models")
    void greedyMatchesGolden(String model, String tokenizer, String golden, String block, double tau) {
        Path tok = tokenizer == null ? null : TestData.file(tokenizer);
        try (Model m = Model.load(TestData.file(model), tok)) {
            double worst = 0;
            int n = 0;
            for (JsonNode prompt : GoldenGeneration.prompts(TestData.file(golden))) {
                JsonNode g = block.equals("steps") ? prompt : prompt.get(block);
                worst = Math.max(worst, GoldenGeneration.check(m, pool, prompt, g, tau));
                n++;
            }
            System.out.printf("%s: %d prompts, max |Δ logprob| %.2e%n", model, n, worst);
            assertThat(n).isGreaterThan(0);
        }
    }
}
