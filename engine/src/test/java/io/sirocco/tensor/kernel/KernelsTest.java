package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every Vector API kernel against the scalar reference, on random non-zero data in deliberately unaligned memory. */
class KernelsTest {
    private static final WorkerPool[] POOLS = new WorkerPool[3];
    private static Arena arena;

    @BeforeAll
    static void start() {
        arena = Arena.ofShared();
        for (int i = 0; i < POOLS.length; i++) POOLS[i] = new WorkerPool(i + 1);
    }

    @AfterAll
    static void stop() {
        for (WorkerPool p : POOLS) p.close();
        arena.close();
    }

    static Stream<GgmlType> types() {
        return Stream.of(GgmlType.values()).filter(t -> t.supported);
    }

    /** Columns: several blocks, and for the 1-element types a length that leaves a vector tail. */
    static int colsFor(GgmlType type) {
        return switch (type.blockSize) {
            case 1 -> 261;
            case 32 -> 160;
            default -> 512;
        };
    }

    static float[] random(Random rnd, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            float g = (float) rnd.nextGaussian() * scale;
            v[i] = g == 0 ? scale : g;
        }
        return v;
    }

    /** A rows×cols tensor of random weights quantized to {@code type}, placed at an odd address. */
    static Tensor randomTensor(GgmlType type, int rows, int cols, long seed) {
        return randomTensor(arena, type, rows, cols, seed);
    }

    static Tensor randomTensor(Arena arena, GgmlType type, int rows, int cols, long seed) {
        float[] values = random(new Random(seed), rows * cols, 0.7f);
        long bytes = rows * type.byteSize(cols);
        MemorySegment data = arena.allocate(bytes + 3, 8).asSlice(3, bytes);
        for (int r = 0; r < rows; r++) Quantizer.quantizeRow(type, values, r * cols, cols, data, r * type.byteSize(cols));
        return new Tensor("w." + type, type, new long[] {rows, cols}, data);
    }

    static float[][] dequantized(Tensor w) {
        float[][] rows = new float[(int) w.rows()][(int) w.cols()];
        for (int r = 0; r < rows.length; r++) ScalarKernels.dequantizeRow(w, r, rows[r], 0);
        return rows;
    }

    /** Σ_c |w[c] · x[xOff + c]|: the scale that float rounding errors of a dot product are relative to. */
    static double magnitude(float[] wr, float[] x, int xOff) {
        double m = 0;
        for (int c = 0; c < wr.length; c++) m += Math.abs((double) wr[c] * x[xOff + c]);
        return m;
    }

    /** Σ_c w[c] · x[xOff + c] in f64: the reference a kernel's dot product is held to. */
    static double dot64(float[] wr, float[] x, int xOff) {
        double d = 0;
        for (int c = 0; c < wr.length; c++) d += (double) wr[c] * x[xOff + c];
        return d;
    }

    static void assertClose(float actual, double expected, double magnitude, String what) {
        assertThat((double) Math.abs(actual - expected)).as("%s: %s vs reference %s", what, actual, expected)
                .isLessThanOrEqualTo(2e-6 * magnitude + 1e-30);
    }

    @ParameterizedTest
    @MethodSource("types")
    void dequantizeRowMatchesReference(GgmlType type) {
        int rows = 5, cols = colsFor(type);
        Tensor w = randomTensor(type, rows, cols, 1);
        for (int r = 0; r < rows; r++) {
            float[] expected = new float[cols + 2], actual = new float[cols + 2];
            ScalarKernels.dequantizeRow(w, r, expected, 1);
            Kernels.dequantizeRow(w, r, actual, 1);
            for (int c = 0; c < cols + 2; c++)
                assertThat(actual[c]).as("%s row %d col %d", type, r, c)
                        .isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-6f * Math.abs(expected[c]) + 1e-30f));
            int nonZero = 0;
            for (float v : expected) if (v != 0) nonZero++;
            assertThat(nonZero).as("data must be mostly non-zero").isGreaterThan(cols / 2);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void dotMatchesReference(GgmlType type) {
        int rows = 7, cols = colsFor(type);
        Tensor w = randomTensor(type, rows, cols, 2);
        float[] x = random(new Random(3), cols + 5, 1f);
        float[][] wd = dequantized(w);
        for (int r = 0; r < rows; r++) {
            for (int xOff : new int[] {0, 5}) {
                float expected = ScalarKernels.dot(w, r, x, xOff);
                assertClose(Kernels.dot(w, r, x, xOff), expected, magnitude(wd[r], x, xOff), type + " row " + r);
            }
        }
    }

    static Stream<Arguments> matmulCases() {
        return types().flatMap(t -> Stream.of(1, 3, 8, 16, 17, 40, 64, 100).flatMap(n -> Stream.of(1, 2, 3).map(th -> Arguments.of(t, n, th))));
    }

    @ParameterizedTest(name = "{0} n={1} threads={2}")
    @MethodSource("matmulCases")
    void matmulMatchesReference(GgmlType type, int n, int threads) {
        int rows = 37, cols = colsFor(type);
        Tensor w = randomTensor(type, rows, cols, 10 + n);
        float[] x = random(new Random(20 + n), n * cols, 1f);
        float[] expected = new float[n * rows];
        float[] actual = new float[n * rows];
        ScalarKernels.matmul(w, x, n, expected);
        Kernels.matmul(w, x, n, actual, POOLS[threads - 1]);
        float[][] wd = dequantized(w);
        for (int t = 0; t < n; t++)
            for (int r = 0; r < rows; r++)
                assertClose(actual[t * rows + r], expected[t * rows + r], magnitude(wd[r], x, t * cols),
                        type + " t=" + t + " r=" + r);
    }

    /** Prefill panels over rows longer than a column chunk (512): several chunks, the last one partial. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "F32", "Q4_K"})
    void prefillOverSeveralColumnChunksMatchesReference(GgmlType type) {
        int rows = 43, cols = type == GgmlType.F32 ? 1301 : type.blockSize == 32 ? 1312 : 1280, n = 70;
        Tensor w = randomTensor(type, rows, cols, 51);
        float[] x = random(new Random(52), n * cols, 1f);
        float[] expected = new float[n * rows], actual = new float[n * rows];
        ScalarKernels.matmul(w, x, n, expected);
        Kernels.matmul(w, x, n, actual, POOLS[1]);
        float[][] wd = dequantized(w);
        for (int t = 0; t < n; t++)
            for (int r = 0; r < rows; r++)
                assertClose(actual[t * rows + r], expected[t * rows + r], magnitude(wd[r], x, t * cols), "t=" + t + " r=" + r);
    }

    /** BF16 decode with rows a whole number of 2L values takes the de-interleaved path ({@code BF16Kernel.dotPairs}). */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void bf16DecodeOnPairedLanesMatchesReference(int threads) {
        int rows = 37, cols = 512;
        Tensor w = randomTensor(GgmlType.BF16, rows, cols, 31);
        float[] x = random(new Random(32), cols + 3, 1f);
        float[] expected = new float[rows], actual = new float[rows];
        float[] slice = java.util.Arrays.copyOfRange(x, 3, x.length);
        ScalarKernels.matmul(w, slice, 1, expected);
        Kernels.matmul(w, x, 3, 1, actual, 0, POOLS[threads - 1]);
        float[][] wd = dequantized(w);
        for (int r = 0; r < rows; r++) assertClose(actual[r], expected[r], magnitude(wd[r], slice, 0), "row " + r);
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "F16"})
    void matmulOnSlicesLeavesTheRestAlone(GgmlType type) {
        int rows = 9, cols = colsFor(type), n = 5, xOff = 7, outOff = 11;
        Tensor w = randomTensor(type, rows, cols, 4);
        float[] x = random(new Random(5), xOff + n * cols, 1f);
        float[] sliceX = java.util.Arrays.copyOfRange(x, xOff, x.length);
        float[] expected = new float[n * rows];
        ScalarKernels.matmul(w, sliceX, n, expected);
        float[] out = new float[outOff + n * rows + 4];
        java.util.Arrays.fill(out, -42f);
        Kernels.matmul(w, x, xOff, n, out, outOff, POOLS[1]);
        float[][] wd = dequantized(w);
        for (int i = 0; i < out.length; i++) {
            if (i < outOff || i >= outOff + n * rows) assertThat(out[i]).isEqualTo(-42f);
            else {
                int t = (i - outOff) / rows, r = (i - outOff) % rows;
                assertClose(out[i], expected[i - outOff], magnitude(wd[r], sliceX, t * cols), "slice " + i);
            }
        }
    }

    @Test
    void largerMatrixWithManyThreadsMatches() {
        Tensor w = randomTensor(GgmlType.Q6_K, 301, 1024, 6);
        float[] x = random(new Random(7), 2 * 1024, 1f);
        float[] expected = new float[2 * 301], actual = new float[2 * 301];
        ScalarKernels.matmul(w, x, 2, expected);
        try (WorkerPool pool = new WorkerPool(4)) {
            Kernels.matmul(w, x, 2, actual, pool);
        }
        float[][] wd = dequantized(w);
        for (int i = 0; i < expected.length; i++)
            assertClose(actual[i], expected[i], magnitude(wd[i % 301], x, i / 301 * 1024), "i=" + i);
    }

    @Test
    void badArgumentsFailWithClearMessages() {
        Tensor q41 = new Tensor("blk.0.ffn_up.weight", GgmlType.Q4_1, new long[] {2, 32}, arena.allocate(40));
        assertThatThrownBy(() -> Kernels.dot(q41, 0, new float[32], 0))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("Q4_1");
        assertThatThrownBy(() -> ScalarKernels.dot(q41, 0, new float[32], 0))
                .isInstanceOf(UnsupportedOperationException.class);

        Tensor ragged = new Tensor("ragged", GgmlType.Q8_0, new long[] {2, 40}, arena.allocate(200));
        assertThatThrownBy(() -> Kernels.dot(ragged, 0, new float[40], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ragged").hasMessageContaining("block size");

        Tensor shortData = new Tensor("short", GgmlType.Q8_0, new long[] {4, 32}, arena.allocate(100));
        assertThatThrownBy(() -> Kernels.matmul(shortData, new float[32], 1, new float[4], POOLS[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("short").hasMessageContaining("136");

        Tensor w = randomTensor(GgmlType.Q4_0, 3, 64, 8);
        assertThatThrownBy(() -> Kernels.dot(w, 3, new float[64], 0)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("row 3");
        assertThatThrownBy(() -> Kernels.dot(w, 0, new float[63], 0)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("x");
        assertThatThrownBy(() -> Kernels.matmul(w, new float[128], 2, new float[5], POOLS[0]))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("out");
        assertThatThrownBy(() -> Kernels.matmul(w, new float[128], -1, new float[6], POOLS[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Kernels.dequantizeRow(w, 0, new float[70], 10)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
