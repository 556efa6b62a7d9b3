package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Quantize → dequantize round trips: error bounds per type, exact cases, degenerate input. */
class QuantizerTest {

    static float[] roundTrip(GgmlType type, float[] values) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Quantizer.tensor("t", type, new long[] {1, values.length}, values, arena);
            float[] out = new float[values.length];
            ScalarKernels.dequantizeRow(t, 0, out, 0);
            return out;
        }
    }

    static Stream<GgmlType> types() {
        return Stream.of(GgmlType.values()).filter(t -> t.supported);
    }

    /** llama.cpp's test-quantize-fns check: data 0.1 + 2·cos(i + offset), error sqrt(Σ diff²) / n below 0.002. */
    @ParameterizedTest
    @MethodSource("types")
    void llamaCppTotalErrorBound(GgmlType type) {
        int n = 32 * 128;
        float[] data = new float[n];
        for (int i = 0; i < n; i++) data[i] = (float) (0.1 + 2 * Math.cos(i + 0.0));
        float[] back = roundTrip(type, data);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += (back[i] - data[i]) * (double) (back[i] - data[i]);
        assertThat(Math.sqrt(sum) / n).as(type.toString()).isLessThan(0.002);
    }

    /**
     * RMS error relative to the RMS of Gaussian data. A uniform quantizer with step Δ has error Δ/√12; the bounds are
     * that for the type's bits with some room for its scale search (or lack of one) and for the stored scales.
     */
    static Stream<Arguments> relativeErrorBounds() {
        return Stream.of(
                Arguments.of(GgmlType.F32, 0.0),
                Arguments.of(GgmlType.F16, 3e-4),
                Arguments.of(GgmlType.BF16, 2.5e-3),
                Arguments.of(GgmlType.Q8_0, 0.006),
                Arguments.of(GgmlType.Q6_K, 0.021),
                Arguments.of(GgmlType.Q5_K, 0.042),
                Arguments.of(GgmlType.Q4_0, 0.095),
                Arguments.of(GgmlType.Q4_K, 0.085));
    }

    @ParameterizedTest
    @MethodSource("relativeErrorBounds")
    void gaussianRelativeErrorIsAsExpected(GgmlType type, double bound) {
        Random rnd = new Random(42);
        float[] data = new float[256 * 16];
        for (int i = 0; i < data.length; i++) data[i] = (float) rnd.nextGaussian() * 0.02f;
        float[] back = roundTrip(type, data);
        double err = 0, norm = 0;
        for (int i = 0; i < data.length; i++) {
            err += (back[i] - data[i]) * (double) (back[i] - data[i]);
            norm += data[i] * (double) data[i];
        }
        double relative = Math.sqrt(err / norm);
        assertThat(relative).as(type.toString()).isLessThanOrEqualTo(bound);
    }

    /** Half a step, plus what the f16 rounding of d (relative 2⁻¹¹) costs at the largest level, 127. */
    @Test
    void q8_0ErrorIsAtMostHalfAStep() {
        Random rnd = new Random(1);
        float[] data = new float[32 * 20];
        for (int i = 0; i < data.length; i++) data[i] = (float) (rnd.nextDouble() * 2 - 1) * (1 + i / 32);
        float[] back = roundTrip(GgmlType.Q8_0, data);
        for (int b = 0; b < 20; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(data[32 * b + i]));
            float step = amax / 127;
            for (int i = 0; i < 32; i++)
                assertThat(Math.abs(back[32 * b + i] - data[32 * b + i])).isLessThanOrEqualTo((0.5f + 127f / 2048) * step + 1e-7f);
        }
    }

    @Test
    void exactlyRepresentableBlocksRoundTripExactly() {
        float[] q4 = new float[32];
        for (int i = 0; i < 32; i++) q4[i] = ((i % 16) - 8) * 0.5f; // the most negative value sets d = 0.5
        assertThat(roundTrip(GgmlType.Q4_0, q4)).containsExactly(q4);

        float[] q8 = new float[32];
        for (int i = 0; i < 32; i++) q8[i] = (i * 9 % 255 - 127) * 0.25f;
        q8[5] = 127 * 0.25f; // amax / 127 = 0.25 exactly
        assertThat(roundTrip(GgmlType.Q8_0, q8)).containsExactly(q8);

        float[] f = {1.5f, -2.25f, 0.125f, 65504f, -0f, 3f, 1024f, -7.75f, 0x1p-24f};
        assertThat(roundTrip(GgmlType.F16, f)).containsExactly(f);
        float[] bf = {1.5f, -2.25f, 0.125f, 0x1.fep127f, -0f, 3f, 1024f, -7.75f, 0x1p-130f};
        assertThat(roundTrip(GgmlType.BF16, bf)).containsExactly(bf);
        float[] g = {(float) Math.PI, 1e-30f, -1e30f};
        assertThat(roundTrip(GgmlType.F32, g)).containsExactly(g);
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(Quantizer.toBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80); // tie, even stays
        assertThat(Quantizer.toBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82); // tie, odd rounds up
        assertThat(Quantizer.toBf16(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
        assertThat(Float.isNaN(Float.intBitsToFloat(Quantizer.toBf16(Float.NaN) << 16))).isTrue();
    }

    @ParameterizedTest
    @MethodSource("types")
    void zerosAndConstantsStayFinite(GgmlType type) {
        int n = 512;
        for (float v : roundTrip(type, new float[n])) assertThat(v == 0).isTrue(); // +0 or −0
        float[] constant = new float[n];
        java.util.Arrays.fill(constant, -0.75f);
        for (float v : roundTrip(type, constant)) assertThat(v).isCloseTo(-0.75f, org.assertj.core.data.Offset.offset(0.01f));
    }

    @Test
    void rejectsBadArguments() {
        MemorySegment dst = Arena.ofAuto().allocate(1000);
        assertThatThrownBy(() -> Quantizer.quantizeRow(GgmlType.Q4_K, new float[300], 0, 300, dst, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block size 256");
        assertThatThrownBy(() -> Quantizer.quantizeRow(GgmlType.Q2_K, new float[256], 0, 256, dst, 0))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("Q2_K");
        assertThatThrownBy(() -> Quantizer.quantizeRow(GgmlType.F32, new float[256], 0, 256, dst, 0))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("dst");
        assertThatThrownBy(() -> Quantizer.quantizeRow(GgmlType.Q8_0, new float[16], 0, 32, dst, 0))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("src");
        assertThatThrownBy(() -> Quantizer.tensor("t", GgmlType.F32, new long[] {2, 3}, new float[5], Arena.ofAuto()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6");
    }
}
