package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.Generator;
import io.sirocco.engine.Step;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.SamplingParams;
import io.sirocco.tensor.kernel.Kernels;
import io.sirocco.testing.GoldenGeneration;
import io.sirocco.testing.TestData;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CLI's default path (int8 activations for prefill and decode, decode on repacked rows) against llama.cpp's own
 * run of the same quantized files, which quantizes activations the same way (per 32 values for Q4_0/Q8_0 weights, per
 * 256 for K types): greedy ids and top-5 logprobs. The f32 path is checked against the float64 reference instead
 * (GoldenModelTest), from which llama.cpp's logprobs stand up to ≈ 0.3 apart on these files.
 */
class Int8ActivationsGoldenTest {
    static WorkerPool pool;

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
        Kernels.setInt8Prefill(true);
        Kernels.setInt8Decode(true);
    }

    @AfterAll
    static void stop() {
        Kernels.setInt8Prefill(false);
        Kernels.setInt8Decode(false);
        pool.close();
    }

    static Stream<String> types() {
        return Stream.of("Q4_0", "Q4_K_M", "Q6_K", "Q8_0");
    }

    /**
     * Against both the float64 reference on the dequantized weights and llama.cpp's own run: greedy ids equal up to
     * the first near tie (top-2 margin under 2τ), and the chosen token's logprob within τ at every step compared, with
     * τ = llama.cpp's own largest distance from the reference on that file (meta.numpy_max_abs_logprob_err): the
     * int8 path is to be no further from exact than llama.cpp is. Top-5 membership is not required: ranks 3–5 are
     * often within 0.05 of each other and swap under either engine's rounding.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void noFurtherFromTheReferenceThanLlamaCpp(String type) {
        String file = "mistral-q256/gguf/synth-mistral-small-3.2-q256-mistral3-" + type + ".gguf";
        var golden = TestData.file("mistral-q256/generation-" + type + ".json");
        double tau = GoldenGeneration.read(golden).get("meta").get("numpy_max_abs_logprob_err").asDouble();
        try (Model m = Model.load(TestData.file(file), null)) {
            double worstReference = 0, worstLlama = 0;
            int prompts = 0;
            for (JsonNode prompt : GoldenGeneration.prompts(golden)) {
                int[] ids = GoldenGeneration.ints(prompt.get("prompt_ids"));
                JsonNode llama = prompt.get("steps"), reference = prompt.get("numpy_greedy").get("steps");
                GenerationResult r = new Generator(m, pool).generate(ids, SamplingParams.greedy(llama.size()).withIgnoreEos(true), s -> true);
                String name = type + " " + prompt.get("name").asText();
                worstReference = Math.max(worstReference, compare(r, reference, tau, name + " vs reference"));
                worstLlama = Math.max(worstLlama, compare(r, llama, tau, name + " vs llama.cpp"));
                prompts++;
            }
            System.out.printf("%s int8 activations: %d prompts, max |Δ logprob| %.3f vs reference, %.3f vs llama.cpp (τ %.3f)%n",
                    type, prompts, worstReference, worstLlama, tau);
            assertThat(prompts).isGreaterThan(0);
        }
    }

    private static double compare(GenerationResult r, JsonNode steps, double tau, String what) {
        double worst = 0;
        for (int t = 0; t < steps.size(); t++) {
            JsonNode g = steps.get(t);
            Step s = r.steps().get(t);
            if (g.get("margin_top1_top2").asDouble() < 2 * tau) break;
            assertThat(s.id()).as("%s step %d", what, t).isEqualTo(g.get("id").asInt());
            double d = Math.abs(s.logprob() - g.get("logprob").asDouble());
            assertThat(d).as("%s step %d: logprob %s vs %s", what, t, s.logprob(), g.get("logprob")).isLessThanOrEqualTo(tau);
            worst = Math.max(worst, d);
        }
        return worst;
    }
}
