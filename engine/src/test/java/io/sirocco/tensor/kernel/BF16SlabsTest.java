package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

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
 * BF16 decode over the column-slab copy against the scalar reference: the f64 dot of each row's bf16 weights with the
 * activations, for row counts that leave a partial last group, one to three slabs, 1–3 threads, and results written
 * only inside [outOff, outOff + rows).
 */
class BF16SlabsTest {
    static WorkerPool[] pools = new WorkerPool[3];
    static Arena arena;

    @BeforeAll
    static void start() {
        arena = Arena.ofShared();
        for (int i = 0; i < pools.length; i++) pools[i] = new WorkerPool(i + 1);
    }

    @AfterAll
    static void stop() {
        for (WorkerPool p : pools) p.close();
        arena.close();
    }

    static Stream<Arguments> cases() {
        return Stream.of(1, 31, 33, 100).flatMap(rows -> Stream.of(256, 768).flatMap(cols ->
                Stream.of(1, 3).map(threads -> Arguments.of(rows, cols, threads))));
    }

    @ParameterizedTest(name = "rows={0} cols={1} threads={2}")
    @MethodSource("cases")
    void matchesTheScalarDotProduct(int rows, int cols, int threads) {
        assumeThat(InterleavedRows.supports(GgmlType.BF16, cols)).as("16 float lanes").isTrue();
        Tensor w = KernelsTest.randomTensor(arena, GgmlType.BF16, rows, cols, rows * 7L + cols);
        float[] x = KernelsTest.random(new Random(rows + cols), cols + 5, 1f);
        float[] out = new float[rows + 3];
        java.util.Arrays.fill(out, Float.NaN);
        try {
            Kernels.setInt8Decode(true);
            Kernels.matmul(w, x, 5, 1, out, 2, pools[threads - 1]);
        } finally {
            Kernels.setInt8Decode(false);
        }
        assertThat(w.derived().get()).isInstanceOf(InterleavedRows.class);
        assertThat(out[0]).isNaN();
        assertThat(out[1]).isNaN();
        assertThat(out[rows + 2]).isNaN();
        float[][] wd = KernelsTest.dequantized(w);
        for (int r = 0; r < rows; r++)
            KernelsTest.assertClose(out[2 + r], KernelsTest.dot64(wd[r], x, 5), KernelsTest.magnitude(wd[r], x, 5), "row " + r);
    }

    /**
     * 2–7 tokens (sequences decoding together): batches of up to 4 in one pass over the slabs, each token's products
     * the same bits as when it is alone (and close to the f64 reference); 8 take the small-batch float path.
     */
    @ParameterizedTest(name = "n={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 3, 4, 5, 7})
    void tokensTogetherGetTheSameProductsAsAlone(int n) {
        int rows = 45, cols = 512;
        assumeThat(InterleavedRows.supports(GgmlType.BF16, cols)).as("16 float lanes").isTrue();
        Tensor w = KernelsTest.randomTensor(arena, GgmlType.BF16, rows, cols, 17);
        float[] x = KernelsTest.random(new Random(n), n * cols, 1f), out = new float[n * rows], alone = new float[rows];
        float[][] wd = KernelsTest.dequantized(w);
        try {
            Kernels.setInt8Decode(true);
            Kernels.matmul(w, x, n, out, pools[1]);
            for (int t = 0; t < n; t++) {
                Kernels.matmul(w, x, t * cols, 1, alone, 0, pools[1]);
                for (int r = 0; r < rows; r++) {
                    assertThat(out[t * rows + r]).as("token %d row %d", t, r).isEqualTo(alone[r]);
                    KernelsTest.assertClose(out[t * rows + r], KernelsTest.dot64(wd[r], x, t * cols),
                            KernelsTest.magnitude(wd[r], x, t * cols), "token " + t + " row " + r);
                }
            }
        } finally {
            Kernels.setInt8Decode(false);
        }
    }

    @Test
    void offWithoutTheSettingAndForWidthsThatAreNotWholeSlabs() {
        Tensor w = KernelsTest.randomTensor(arena, GgmlType.BF16, 40, 256, 3);
        Tensor narrow = KernelsTest.randomTensor(arena, GgmlType.BF16, 40, 96, 4);
        float[] x = KernelsTest.random(new Random(5), 256, 1f), out = new float[40];
        Kernels.matmul(w, x, 1, out, pools[1]);
        assertThat(w.derived().get()).isNull();
        try {
            Kernels.setInt8Decode(true);
            Kernels.matmul(narrow, x, 1, out, pools[1]);
        } finally {
            Kernels.setInt8Decode(false);
        }
        assertThat(narrow.derived().get()).isNull();
    }
}
