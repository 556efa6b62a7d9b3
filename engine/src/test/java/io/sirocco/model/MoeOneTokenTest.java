package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The decode path of the MoE (one token, experts as two row-parallel passes) against the batched expert-grouped path. */
class MoeOneTokenTest {

    @Test
    void oneTokenPathMatchesGroupedPath() {
        try (WorkerPool pool = new WorkerPool(2);
             Model m = Model.load(TestData.file("mistral-small4/gguf/synth-mistral-small-4-tiny-mistral4-Q8_0.gguf"))) {
            Mistral4Decoder dec = (Mistral4Decoder) m.decoder();
            Mistral4Params.Moe moe = m.config().mistral4().moe();
            int dim = m.config().dim();
            Random rnd = new Random(3);
            for (int trial = 0; trial < 20; trial++) {
                Mistral4Weights.Layer lw = dec.weights().layers().get(trial % 2);
                float[] x = new float[2 * dim];
                for (int i = 0; i < dim; i++) x[i] = x[dim + i] = (float) rnd.nextGaussian();
                x[dim] += 0.5f;  // the second row differs: the batched path groups two tokens
                float[] one = new float[dim], two = new float[2 * dim];
                int[] readOne = MoeFeedForward.run(moe, lw, x, 1, dim, one, pool);
                MoeFeedForward.run(moe, lw, x, 2, dim, two, pool);
                assertThat(readOne).hasSize(moe.expertsPerToken()).isSorted();
                for (int d = 0; d < dim; d++) assertThat(one[d]).as("trial %d lane %d", trial, d).isCloseTo(two[d], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    /** With int8 decode one token goes through the grouped path on repacked experts: close to the f32 result. */
    @Test
    void int8DecodeStaysCloseToTheF32Path() {
        try (WorkerPool pool = new WorkerPool(2);
             Model m = Model.load(TestData.file("mistral-small4/gguf/synth-mistral-small-4-tiny-mistral4-Q8_0.gguf"))) {
            Mistral4Decoder dec = (Mistral4Decoder) m.decoder();
            Mistral4Params.Moe moe = m.config().mistral4().moe();
            int dim = m.config().dim();
            Random rnd = new Random(5);
            for (int trial = 0; trial < 6; trial++) {
                Mistral4Weights.Layer lw = dec.weights().layers().get(trial % 2);
                float[] x = new float[dim];
                for (int i = 0; i < dim; i++) x[i] = (float) rnd.nextGaussian();
                float[] exact = new float[dim], fast = new float[dim];
                int[] readExact = MoeFeedForward.run(moe, lw, x, 1, dim, exact, pool);
                int[] readFast;
                try {
                    io.sirocco.tensor.kernel.Kernels.setInt8Decode(true);
                    readFast = MoeFeedForward.run(moe, lw, x, 1, dim, fast, pool);
                } finally {
                    io.sirocco.tensor.kernel.Kernels.setInt8Decode(false);
                }
                assertThat(readFast).containsExactly(readExact);
                double norm = 0, diff = 0;
                for (int d = 0; d < dim; d++) {
                    norm += (double) exact[d] * exact[d];
                    diff += (double) (fast[d] - exact[d]) * (fast[d] - exact[d]);
                }
                // Activations rounded to 8 bits per 32 values: a relative error of a few 1e-3.
                assertThat(Math.sqrt(diff / norm)).as("trial %d", trial).isLessThan(2e-2).isGreaterThan(0);
            }
        }
    }
}