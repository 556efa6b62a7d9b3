package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.engine.Generator;
import io.sirocco.engine.Step;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.SamplingParams;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.BackgroundRepack;
import io.sirocco.tensor.kernel.Kernels;
import io.sirocco.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Model.repackForDecode on a real-format GGUF (Q4_K_M: Q4_K and Q6_K matrices): generation started while the
 * job runs gives the same ids and logprobs as one where the first decode step repacks everything itself, the job
 * ends with every matrix decode uses repacked, and closing the model stops it.
 */
class BackgroundRepackModelTest {
    static final String FILE = "mistral-q256/gguf/synth-mistral-small-3.2-q256-mistral3-Q4_K_M.gguf";
    static final int[] PROMPT = {1, 3, 1010, 1200, 1500, 1033, 1999, 1042};
    static WorkerPool pool;

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
        Kernels.setInt8Decode(true);
    }

    @AfterAll
    static void stop() {
        Kernels.setInt8Decode(false);
        pool.close();
    }

    @Test
    void generationDuringTheJobIsTheGenerationWithoutIt() throws InterruptedException {
        Path file = TestData.file(FILE);
        List<Step> without;
        try (Model m = Model.load(file, null)) {
            without = generate(m);
        }
        try (Model m = Model.load(file, null)) {
            BackgroundRepack job = m.repackForDecode();
            assertThat(m.repackForDecode()).isSameAs(job);
            assertThat(job.matrices()).isPositive();
            List<Step> during = generate(m);
            job.await();
            assertThat(during).hasSameSizeAs(without);
            for (int t = 0; t < without.size(); t++) {
                assertThat(during.get(t).id()).as("step %d", t).isEqualTo(without.get(t).id());
                assertThat(during.get(t).logprob()).as("step %d", t).isEqualTo(without.get(t).logprob());
            }
            List<Tensor> built = m.decoder().decodeMatrices().stream().filter(w -> w.derived().get() != null).toList();
            assertThat(built).hasSize(job.matrices());
            assertThat(m.decoder().decodeMatrices()).contains(((MistralDecoder) m.decoder()).weights().output());
        }
    }

    @Test
    void closingTheModelStopsTheJob() {
        BackgroundRepack job;
        try (Model m = Model.load(TestData.file(FILE), null)) {
            job = m.repackForDecode();
        }
        assertThat(job.done()).isTrue();
    }

    private static List<Step> generate(Model m) {
        return new Generator(m, pool).generate(PROMPT, SamplingParams.greedy(12).withIgnoreEos(true), s -> true).steps();
    }
}
