package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The int8-activation prefill path against the f32 scalar reference. With activations that int8 represents exactly
 * (per 32 values: integers in [−127, 127] times a power of two, one of them ±127) the integer path must agree to float
 * rounding; with any activations, to within the activation rounding it introduces.
 */
class Int8PanelMatmulTest {
    static WorkerPool[] pools = new WorkerPool[2];
    static Arena arena;

    @BeforeAll
    static void start() {
        arena = Arena.ofShared();
        pools[0] = new WorkerPool(1);
        pools[1] = new WorkerPool(2);
    }

    @AfterAll
    static void stop() {
        for (WorkerPool p : pools) p.close();
        arena.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of(GgmlType.Q4_0, GgmlType.Q4_K).flatMap(t -> Stream.of(32, 33, 64, 100, 130)
                .flatMap(n -> Stream.of(1, 2).map(th -> Arguments.of(t, n, th))));
    }

    @ParameterizedTest(name = "{0} n={1} threads={2}")
    @MethodSource("cases")
    void exactOnActivationsInt8Represents(GgmlType type, int n, int threads) {
        int rows = 47, cols = 1280;  // 47: two row blocks, the last group with two rows past the matrix; 2.5 column chunks
        Tensor w = KernelsTest.randomTensor(arena, type, rows, cols, 40 + n);
        float[] x = representable(new Random(n), n * cols);
        float[] expected = new float[n * rows], actual = new float[n * rows];
        ScalarKernels.matmul(w, x, n, expected);
        Int8PanelMatmul.run(type, w.data(), w.rowBytes(), rows, cols, x, 0, n, actual, 0, pools[threads - 1]);
        float[][] wd = KernelsTest.dequantized(w);
        for (int t = 0; t < n; t++)
            for (int r = 0; r < rows; r++)
                assertThat((double) Math.abs(actual[t * rows + r] - expected[t * rows + r]))
                        .as("t=%d r=%d", t, r).isLessThanOrEqualTo(1e-5 * KernelsTest.magnitude(wd[r], x, t * cols));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void closeOnAnyActivations(GgmlType type) {
        int rows = 20, cols = 1024, n = 70;
        Tensor w = KernelsTest.randomTensor(arena, type, rows, cols, 7);
        float[] x = KernelsTest.random(new Random(8), n * cols, 1f);
        float[] expected = new float[n * rows], actual = new float[n * rows];
        ScalarKernels.matmul(w, x, n, expected);
        Int8PanelMatmul.run(type, w.data(), w.rowBytes(), rows, cols, x, 0, n, actual, 0, pools[1]);
        float[][] wd = KernelsTest.dequantized(w);
        double worst = 0;
        for (int t = 0; t < n; t++)
            for (int r = 0; r < rows; r++)
                worst = Math.max(worst, Math.abs(actual[t * rows + r] - expected[t * rows + r]) / KernelsTest.magnitude(wd[r], x, t * cols));
        // Rounding each activation to 1/254 of its block's range: a few 1e-3 of the dot's magnitude at most.
        assertThat(worst).isLessThan(5e-3).isGreaterThan(0);
    }

    static Stream<GgmlType> types() {
        return Stream.of(GgmlType.Q4_0, GgmlType.Q4_K);
    }

    @Test
    void kernelsUseItOnlyWhenAskedAndForEnoughRows() {
        int rows = 10, cols = 256, n = 40;
        Tensor w = KernelsTest.randomTensor(arena, GgmlType.Q4_0, rows, cols, 3);
        float[] x = KernelsTest.random(new Random(4), n * cols, 1f);
        float[] exact = new float[n * rows], fast = new float[n * rows], reference = new float[n * rows];
        Int8PanelMatmul.run(GgmlType.Q4_0, w.data(), w.rowBytes(), rows, cols, x, 0, n, reference, 0, pools[0]);
        assertThat(Kernels.int8Prefill()).isFalse();
        Kernels.matmul(w, x, n, exact, pools[0]);
        try {
            Kernels.setInt8Prefill(true);
            Kernels.matmul(w, x, n, fast, pools[0]);
        } finally {
            Kernels.setInt8Prefill(false);
        }
        assertThat(fast).containsExactly(reference);
        assertThat(exact).isNotEqualTo(reference);
    }

    /** Per 32 values: d = 2^-e (e random), integers in [−127, 127] with one of them ±127. */
    static float[] representable(Random rnd, int count) {
        float[] x = new float[count];
        for (int b = 0; b < count; b += 32) {
            float d = (float) Math.scalb(1.0, -rnd.nextInt(10));
            for (int i = 0; i < 32; i++) x[b + i] = d * (rnd.nextInt(255) - 127);
            x[b + rnd.nextInt(32)] = d * (rnd.nextBoolean() ? 127 : -127);
        }
        return x;
    }
}
