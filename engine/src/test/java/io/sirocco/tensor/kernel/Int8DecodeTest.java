package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

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
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Int8-activation decode over repacked rows against the scalar reference: the f32 dot product of each row's
 * dequantized weights (ScalarKernels) with the dequantized int8 activations must match to float rounding, on random
 * weights and activations, row counts that leave a partial last group (of G rows, or of a 4·G quad), and 1–3 threads.
 */
class Int8DecodeTest {
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
        int g = InterleavedRows.G;
        // Q4_0 and Q4_K group 4·g rows (quads): 4g + 3 and 9g reach whole quads and more than one.
        return Stream.of(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K).flatMap(t -> Stream.of(1, 5, g, g + 3, 2 * g + 7, 4 * g + 3, 9 * g)
                .flatMap(rows -> Stream.of(1, 3).map(th -> Arguments.of(t, rows, th))));
    }

    @ParameterizedTest(name = "{0} rows={1} threads={2}")
    @MethodSource("cases")
    void matchesTheDequantizedDotProduct(GgmlType type, int rows, int threads) {
        assumeThat(InterleavedRows.supports(type, 512)).as("16- or 32-lane short vectors").isTrue();
        int cols = 512;
        Tensor w = KernelsTest.randomTensor(arena, type, rows, cols, 11 + rows);
        float[] x = KernelsTest.random(new Random(rows), cols + 9, 1f);
        InterleavedRows p = InterleavedRows.pack(w, pools[threads - 1]);
        float[] out = new float[rows + 4];
        java.util.Arrays.fill(out, Float.NaN);
        Int8Decode.matmul(p, x, 9, out, 2, pools[threads - 1]);
        assertThat(out[0]).isNaN();  // nothing written outside [outOff, outOff + rows)
        assertThat(out[1]).isNaN();
        assertThat(out[rows + 2]).isNaN();
        float[] xd = dequantizedActivations(x, 9, cols, InterleavedRows.blockCols(type));
        float[][] wd = KernelsTest.dequantized(w);
        for (int r = 0; r < rows; r++)
            KernelsTest.assertClose(out[2 + r], KernelsTest.dot64(wd[r], xd, 0), KernelsTest.magnitude(wd[r], xd, 0), "row " + r);
    }

    /**
     * Weights small enough (σ = 0.002) that the K types' f16 super-block scales are subnormal halves, as they are in
     * files of small-valued matrices (Q6_K's copy holds them as floats, Q4_K's converts them by bit moves): the
     * product still matches the reference.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void subnormalHalfScalesAreExact(GgmlType type) {
        int rows = 2 * InterleavedRows.G + 3, cols = 512;
        float[] values = KernelsTest.random(new Random(31), rows * cols, 0.002f);
        Tensor w = Quantizer.tensor("small." + type, type, new long[] {rows, cols}, values, arena);
        if (type == GgmlType.Q4_K || type == GgmlType.Q5_K || type == GgmlType.Q6_K) {
            int subnormal = 0;
            for (int r = 0; r < rows; r++)
                for (int b = 0; b < cols / 256; b++) {  // d is the first half of a Q4_K or Q5_K block, the last of a Q6_K one
                    long at = r * type.byteSize(cols) + b * type.typeSize + (type == GgmlType.Q6_K ? 208 : 0);
                    short h = w.data().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at);
                    if ((h & 0x7C00) == 0 && (h & 0x3FF) != 0) subnormal++;
                }
            assertThat(subnormal).as("blocks whose d is a subnormal half").isPositive();
        }
        float[] x = KernelsTest.random(new Random(32), cols, 1f);
        float[] out = new float[rows];
        Int8Decode.matmul(InterleavedRows.pack(w, pools[1]), x, 0, out, 0, pools[1]);
        float[] xd = dequantizedActivations(x, 0, cols, InterleavedRows.blockCols(type));
        float[][] wd = KernelsTest.dequantized(w);
        for (int r = 0; r < rows; r++)
            KernelsTest.assertClose(out[r], KernelsTest.dot64(wd[r], xd, 0), KernelsTest.magnitude(wd[r], xd, 0), "row " + r);
    }

    /** Several activation rows (sequences decoding together): each row as if alone, through Kernels.matmul. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void smallBatchesGiveEachRowItsOwnProduct(GgmlType type) {
        int rows = InterleavedRows.G + 5, cols = 512, n = 3;
        Tensor w = KernelsTest.randomTensor(arena, type, rows, cols, 21);
        float[] x = KernelsTest.random(new Random(22), n * cols, 1f);
        float[] batch = new float[n * rows], single = new float[rows];
        try {
            Kernels.setInt8Decode(true);
            Kernels.matmul(w, x, n, batch, pools[1]);
            InterleavedRows p = (InterleavedRows) w.derived().get();
            for (int t = 0; t < n; t++) {
                Int8Decode.matmul(p, x, t * cols, single, 0, pools[0]);
                assertThat(java.util.Arrays.copyOfRange(batch, t * rows, (t + 1) * rows)).as("row %d", t).containsExactly(single);
            }
        } finally {
            Kernels.setInt8Decode(false);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void closeToTheF32ProductOnAnyActivations(GgmlType type) {
        int rows = 40, cols = 1024;
        Tensor w = KernelsTest.randomTensor(arena, type, rows, cols, 5);
        float[] x = KernelsTest.random(new Random(6), cols, 1f);
        float[] exact = new float[rows], fast = new float[rows];
        ScalarKernels.matmul(w, x, 1, exact);
        Int8Decode.matmul(InterleavedRows.pack(w, pools[1]), x, 0, fast, 0, pools[1]);
        float[][] wd = KernelsTest.dequantized(w);
        double worst = 0;
        for (int r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(fast[r] - exact[r]) / KernelsTest.magnitude(wd[r], x, 0));
        // Rounding each activation to 1/254 of its block's range (32 or 256 values): a few 1e-3 of the magnitude.
        assertThat(worst).isLessThan(1e-2).isGreaterThan(0);
    }

    static Stream<GgmlType> types() {
        return Stream.of(GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);
    }

    /** Scales of every f16 kind the repacked kernels convert by bit moves: negative, subnormal, zero, large. */
    @Test
    void q4_0ScalesOfEveryKindConvertExactly() {
        int rows = 8, cols = 64;
        short[] halves = {(short) 0x3C00, (short) 0xBC00, 0x0001, (short) 0x83FF, 0x0000, (short) 0x8000, 0x7BFF, 0x1234};
        MemorySegment data = arena.allocate(rows * 36L);
        Random rnd = new Random(3);
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < 2; b++) {
                long at = r * 36L + 18 * b;
                data.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at, halves[(r + b) % halves.length]);
                for (int i = 0; i < 16; i++) data.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at + 2 + i, (byte) rnd.nextInt(256));
            }
        Tensor w = new Tensor("w", GgmlType.Q4_0, new long[] {rows, cols}, data);
        float[] x = KernelsTest.random(new Random(4), cols, 1f);
        float[] out = new float[rows];
        Int8Decode.matmul(InterleavedRows.pack(w, pools[0]), x, 0, out, 0, pools[0]);
        float[] xd = dequantizedActivations(x, 0, cols, 32);
        float[][] wd = KernelsTest.dequantized(w);
        for (int r = 0; r < rows; r++) {
            double expected = 0;
            for (int c = 0; c < cols; c++) expected += (double) wd[r][c] * xd[c];
            assertThat((double) out[r]).as("row %d", r).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6 * KernelsTest.magnitude(wd[r], xd, 0) + 1e-30));
        }
    }

    @Test
    void activationsRoundHalvesAwayFromZeroPerBlock() {
        float[] x = new float[64];
        x[0] = 127f;
        x[1] = 0.5f;
        x[2] = -0.5f;
        x[3] = -1.49f;
        // second block all zero
        Int8Decode.Quantized q = Int8Decode.quantize(x, 0, 64, 32);
        assertThat(q.d()).containsExactly(1f, 0f);
        assertThat(new short[] {q.q()[0], q.q()[1], q.q()[2], q.q()[3], q.q()[40]}).containsExactly((short) 127, (short) 1, (short) -1, (short) -1, (short) 0);
        assertThat(q.sums()).containsExactly(126, 0);
    }

    @Test
    void kernelsUseItOnlyWhenAskedAndKeepTheRepackedCopy() {
        int rows = 10, cols = 256;
        Tensor w = KernelsTest.randomTensor(arena, GgmlType.Q4_K, rows, cols, 3);
        float[] x = KernelsTest.random(new Random(4), cols, 1f);
        float[] exact = new float[rows], fast = new float[rows], reference = new float[rows];
        Int8Decode.matmul(InterleavedRows.pack(w, pools[0]), x, 0, reference, 0, pools[0]);
        assertThat(Kernels.int8Decode()).isFalse();
        Kernels.matmul(w, x, 1, exact, pools[0]);
        assertThat(w.derived().get()).isNull();
        try {
            Kernels.setInt8Decode(true);
            Kernels.matmul(w, x, 1, fast, pools[0]);
            Object packed = w.derived().get();
            assertThat(packed).isInstanceOf(InterleavedRows.class);
            Kernels.matmul(w, x, 1, fast, pools[1]);
            assertThat(w.derived().get()).isSameAs(packed);
        } finally {
            Kernels.setInt8Decode(false);
        }
        assertThat(fast).containsExactly(reference);
        assertThat(exact).isNotEqualTo(reference);
    }

    @Test
    void viewsMadePerCallStayOnTheFloatPath() {
        int rows = 10, cols = 256;
        Tensor base = KernelsTest.randomTensor(arena, GgmlType.Q4_0, rows, cols, 8);
        Tensor view = new Tensor("view", base.type(), base.shape(), base.data(), Tensor.Derived.NONE);
        float[] x = KernelsTest.random(new Random(9), cols, 1f);
        float[] exact = new float[rows], viewed = new float[rows];
        Kernels.matmul(base, x, 1, exact, pools[0]);
        try {
            Kernels.setInt8Decode(true);
            Kernels.matmul(view, x, 1, viewed, pools[0]);
        } finally {
            Kernels.setInt8Decode(false);
        }
        assertThat(view.derived().get()).isNull();
        assertThat(viewed).containsExactly(exact);
    }

    @Test
    void packingTransposesByteTilesExactly() {
        int g = InterleavedRows.G, k = 24;
        byte[] stage = new byte[g * k], out = new byte[5 + k * g];
        new Random(12).nextBytes(stage);
        InterleavedRows.transpose(stage, k, out, 5);
        for (int l = 0; l < g; l++)
            for (int c = 0; c < k; c++) assertThat(out[5 + c * g + l]).as("row %d column %d", l, c).isEqualTo(stage[l * k + c]);
    }

    static float[] dequantizedActivations(float[] x, int off, int cols, int block) {
        Int8Decode.Quantized q = Int8Decode.quantize(x, off, cols, block);
        float[] xd = new float[cols];
        for (int c = 0; c < cols; c++) xd[c] = q.q()[c] * q.d()[c / block];
        return xd;
    }
}
