package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Dequantization of hand-built blocks whose values are known exactly (small integers times powers of two), built
 * byte by byte from ggml's block layouts. Both the scalar reference and the fast kernel must reproduce them exactly.
 */
class BlockLayoutTest {
    private static final short HALF_0_5 = 0x3800, HALF_0_25 = 0x3400;

    /** A one-row tensor over {@code bytes}, placed at an odd address (blocks are unaligned in GGUF files). */
    private static Tensor oneRow(GgmlType type, int cols, byte[] bytes) {
        MemorySegment seg = Arena.ofAuto().allocate(bytes.length + 1, 8).asSlice(1, bytes.length);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return new Tensor("hand-built", type, new long[] {1, cols}, seg);
    }

    private static void putHalf(byte[] b, int at, short h) {
        b[at] = (byte) h;
        b[at + 1] = (byte) (h >>> 8);
    }

    private static void assertDequantizes(Tensor w, float[] expected) {
        float[] scalar = new float[expected.length], fast = new float[expected.length];
        ScalarKernels.dequantizeRow(w, 0, scalar, 0);
        Kernels.dequantizeRow(w, 0, fast, 0);
        for (int i = 0; i < expected.length; i++) {
            // numeric equality (+0 == −0: a zero scale may give either sign)
            assertThat(scalar[i] == expected[i]).as("scalar reference at %d: %s, expected %s", i, scalar[i], expected[i]).isTrue();
            assertThat(fast[i] == expected[i]).as("vector kernel at %d: %s, expected %s", i, fast[i], expected[i]).isTrue();
        }
        // and the dot product with a one-hot x picks out single values
        float[] x = new float[expected.length];
        for (int c : new int[] {0, expected.length / 3, expected.length - 1}) {
            x[c] = 1;
            assertThat(Kernels.dot(w, 0, x, 0)).isEqualTo(expected[c]);
            assertThat(ScalarKernels.dot(w, 0, x, 0)).isEqualTo(expected[c]);
            x[c] = 0;
        }
    }

    @Test
    void q4_0WithScaleHalfAndAllNibbles() {
        byte[] b = new byte[18];
        putHalf(b, 0, HALF_0_5);
        for (int i = 0; i < 16; i++) b[2 + i] = (byte) (i | (15 - i) << 4);
        float[] expected = new float[32];
        for (int i = 0; i < 16; i++) {
            expected[i] = (i - 8) * 0.5f;        // low nibbles: values 0..15
            expected[16 + i] = (7 - i) * 0.5f;   // high nibbles: values 16..31
        }
        assertDequantizes(oneRow(GgmlType.Q4_0, 32, b), expected);
    }

    @Test
    void q8_0SignedBytes() {
        byte[] b = new byte[68];
        float[] expected = new float[64];
        for (int blk = 0; blk < 2; blk++) {
            putHalf(b, 34 * blk, blk == 0 ? HALF_0_25 : HALF_0_5);
            for (int i = 0; i < 32; i++) {
                int q = 8 * i - 128 + blk;
                b[34 * blk + 2 + i] = (byte) q;
                expected[32 * blk + i] = q * (blk == 0 ? 0.25f : 0.5f);
            }
        }
        assertDequantizes(oneRow(GgmlType.Q8_0, 64, b), expected);
    }

    /** The 12 scale bytes of Q4_K/Q5_K for 6-bit scales sc[8] and mins m[8]. */
    private static void packScalesK4(byte[] b, int at, int[] sc, int[] m) {
        for (int j = 0; j < 4; j++) {
            b[at + j] = (byte) (sc[j] | (sc[j + 4] >> 4) << 6);
            b[at + j + 4] = (byte) (m[j] | (m[j + 4] >> 4) << 6);
            b[at + j + 8] = (byte) ((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
        }
    }

    private static final int[] SC = {5, 12, 19, 26, 33, 40, 47, 63};
    private static final int[] MIN = {63, 55, 47, 39, 31, 23, 15, 0};

    @Test
    void q4_KScalesMinsAndNibbleOrder() {
        byte[] b = new byte[144];
        putHalf(b, 0, HALF_0_5);   // d
        putHalf(b, 2, HALF_0_25);  // dmin
        packScalesK4(b, 4, SC, MIN);
        float[] expected = new float[256];
        for (int v = 0; v < 256; v++) {
            int q = (5 * v + 3) % 16;
            // value v: sub-block v/32; byte 32·(v/64) + v%32 of qs; low nibble in the first half of each 64
            int at = 16 + 32 * (v / 64) + v % 32;
            b[at] |= (byte) (v % 64 < 32 ? q : q << 4);
            expected[v] = 0.5f * SC[v / 32] * q - 0.25f * MIN[v / 32];
        }
        assertDequantizes(oneRow(GgmlType.Q4_K, 256, b), expected);
    }

    @Test
    void q5_KHighBitsFromQh() {
        byte[] b = new byte[176];
        putHalf(b, 0, HALF_0_5);
        putHalf(b, 2, HALF_0_25);
        packScalesK4(b, 4, SC, MIN);
        float[] expected = new float[256];
        for (int v = 0; v < 256; v++) {
            int q = (7 * v + 1) % 32;
            int at = 48 + 32 * (v / 64) + v % 32;
            b[at] |= (byte) (v % 64 < 32 ? q & 0xF : (q & 0xF) << 4);
            b[16 + v % 32] |= (byte) ((q >> 4) << (v / 32)); // bit (sub-block) of qh[v % 32]
            expected[v] = 0.5f * SC[v / 32] * q - 0.25f * MIN[v / 32];
        }
        assertDequantizes(oneRow(GgmlType.Q5_K, 256, b), expected);
    }

    @Test
    void q6_KQuartersAndSignedScales() {
        byte[] b = new byte[210];
        int[] sc = new int[16];
        for (int i = 0; i < 16; i++) {
            sc[i] = (i * 13) % 41 - 20;
            b[192 + i] = (byte) sc[i];
        }
        putHalf(b, 208, HALF_0_5); // d comes last in block_q6_K
        float[] expected = new float[256];
        for (int v = 0; v < 256; v++) {
            int q = (11 * v + 5) % 64;
            int half = v / 128, quarter = (v % 128) / 32, l = v % 32;
            int qlAt = 64 * half + l + (quarter % 2 == 1 ? 32 : 0);
            b[qlAt] |= (byte) (quarter < 2 ? q & 0xF : (q & 0xF) << 4);
            b[128 + 32 * half + l] |= (byte) ((q >> 4) << (2 * quarter));
            expected[v] = 0.5f * sc[v / 16] * (q - 32);
        }
        assertDequantizes(oneRow(GgmlType.Q6_K, 256, b), expected);
    }

    @Test
    void f16SpecialValues() {
        short[] halves = {0x3C00, (short) 0xC000, 0x0001, (short) 0x8001, 0x03FF, 0x7BFF, 0x7C00, (short) 0xFC00,
                (short) 0x8000, 0x0000, 0x3555, 0x0400, 0x4248, (short) 0xB800, 0x5640, 0x1234, 0x2345};
        float[] expected = new float[halves.length];
        byte[] b = new byte[2 * halves.length];
        for (int i = 0; i < halves.length; i++) {
            putHalf(b, 2 * i, halves[i]);
            expected[i] = Float.float16ToFloat(halves[i]);
        }
        assertThat(expected[0]).isEqualTo(1f);
        assertThat(expected[2]).isEqualTo(0x1p-24f);
        assertThat(expected[6]).isEqualTo(Float.POSITIVE_INFINITY);
        assertDequantizesBits(oneRow(GgmlType.F16, halves.length, b), expected);

        // NaN stays NaN
        byte[] nan = new byte[32];
        for (int i = 0; i < 16; i++) putHalf(nan, 2 * i, (short) 0x7E00);
        float[] out = new float[16];
        Kernels.dequantizeRow(oneRow(GgmlType.F16, 16, nan), 0, out, 0);
        for (float v : out) assertThat(v).isNaN();
    }

    /** Exact comparison that tells −0 from +0. */
    private static void assertDequantizesBits(Tensor w, float[] expected) {
        float[] scalar = new float[expected.length], fast = new float[expected.length];
        ScalarKernels.dequantizeRow(w, 0, scalar, 0);
        Kernels.dequantizeRow(w, 0, fast, 0);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(scalar[i])).as("scalar %d", i).isEqualTo(Float.floatToRawIntBits(expected[i]));
            assertThat(Float.floatToRawIntBits(fast[i])).as("fast %d", i).isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    @Test
    void bf16IsTheHighHalfOfF32() {
        float[] expected = {1f, -3f, 0.15625f, -0f, 3.0e38f, 1e-39f, Float.NEGATIVE_INFINITY, 42f, 7f, -0.5f, 2f,
                1024f, -1f / 64, 100f, 6f, -9f, 11f};
        byte[] b = new byte[2 * expected.length];
        for (int i = 0; i < expected.length; i++) {
            int bits = Float.floatToRawIntBits(expected[i]);
            expected[i] = Float.intBitsToFloat(bits & 0xFFFF0000); // what BF16 can hold
            putHalf(b, 2 * i, (short) (bits >>> 16));
        }
        assertDequantizesBits(oneRow(GgmlType.BF16, expected.length, b), expected);
    }

    @Test
    void f32IsLittleEndian() {
        byte[] b = {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0, 1, 0, 0, 0};
        assertDequantizesBits(oneRow(GgmlType.F32, 3, b), new float[] {1f, -2f, Float.MIN_VALUE});
    }
}
