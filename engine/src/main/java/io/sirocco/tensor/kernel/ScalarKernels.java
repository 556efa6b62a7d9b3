package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Bytes.bf16;
import static io.sirocco.tensor.kernel.Bytes.f16;
import static io.sirocco.tensor.kernel.Bytes.f32;
import static io.sirocco.tensor.kernel.Bytes.i8;
import static io.sirocco.tensor.kernel.Bytes.u8;

import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Plain-loop reference kernels: obviously correct, slow, and the documentation of every block layout (the layouts of
 * ggml's {@code ggml-common.h}, little-endian, {@code half} = IEEE binary16). The Vector API kernels in
 * {@link Kernels} are tested against these.
 */
public final class ScalarKernels {
    private ScalarKernels() {}

    /** Writes the {@code cols} values of row {@code row} of {@code w} to {@code dst[off..]}. */
    public static void dequantizeRow(Tensor w, long row, float[] dst, int off) {
        int cols = Checks.cols(w);
        Checks.row(w, row);
        Checks.range("dst", dst.length, off, cols);
        dequantize(w.type(), w.data(), row * w.rowBytes(), cols, dst, off);
    }

    /** Σ_c w[row, c] · x[xOff + c], accumulated in double. */
    public static float dot(Tensor w, long row, float[] x, int xOff) {
        int cols = Checks.cols(w);
        Checks.row(w, row);
        Checks.range("x", x.length, xOff, cols);
        float[] wr = new float[cols];
        dequantize(w.type(), w.data(), row * w.rowBytes(), cols, wr, 0);
        double sum = 0;
        for (int c = 0; c < cols; c++) sum += (double) wr[c] * x[xOff + c];
        return (float) sum;
    }

    /** {@code out[t*rows + r] = Σ_c w[r, c] · x[t*cols + c]} for {@code t < n}: n activation rows times wᵀ. */
    public static void matmul(Tensor w, float[] x, int n, float[] out) {
        int rows = Checks.rows(w);
        int cols = Checks.cols(w);
        Checks.count(n);
        Checks.range("x", x.length, 0, (long) n * cols);
        Checks.range("out", out.length, 0, (long) n * rows);
        for (int t = 0; t < n; t++)
            for (int r = 0; r < rows; r++) out[t * rows + r] = dot(w, r, x, t * cols);
    }

    /** Dequantizes {@code cols} elements (whole blocks) starting at byte {@code off} of {@code data}. */
    static void dequantize(GgmlType type, MemorySegment data, long off, int cols, float[] dst, int dstOff) {
        int blocks = cols / type.blockSize;
        for (int b = 0; b < blocks; b++) {
            long at = off + (long) b * type.typeSize;
            int to = dstOff + b * type.blockSize;
            switch (type) {
                case F32 -> dst[to] = f32(data, at);
                case F16 -> dst[to] = f16(data, at);
                case BF16 -> dst[to] = bf16(data, at); // the high 16 bits of an F32
                case Q8_0 -> q8_0(data, at, dst, to);
                case Q4_0 -> q4_0(data, at, dst, to);
                case Q5_0 -> q5_0(data, at, dst, to);
                case Q4_K -> q4_K(data, at, dst, to);
                case Q5_K -> q5_K(data, at, dst, to);
                case Q6_K -> q6_K(data, at, dst, to);
                default -> throw Checks.unsupported(type);
            }
        }
    }

    /** block_q8_0 (34 bytes, 32 values): half d; int8 qs[32]. y[i] = d·qs[i]. */
    static void q8_0(MemorySegment s, long at, float[] y, int to) {
        float d = f16(s, at);
        for (int i = 0; i < 32; i++) y[to + i] = d * i8(s, at + 2 + i);
    }

    /**
     * block_q4_0 (18 bytes, 32 values): half d; uint8 qs[16]. The low nibble of qs[i] is value i, the high nibble is
     * value i + 16; y = d·(nibble − 8).
     */
    static void q4_0(MemorySegment s, long at, float[] y, int to) {
        float d = f16(s, at);
        for (int i = 0; i < 16; i++) {
            int q = u8(s, at + 2 + i);
            y[to + i] = d * ((q & 0xF) - 8);
            y[to + i + 16] = d * ((q >>> 4) - 8);
        }
    }

    /**
     * block_q5_0 (22 bytes, 32 values): half d; uint32 qh (little-endian); uint8 qs[16]. As Q4_0 (low nibble of qs[i]
     * is value i, high nibble value i + 16) with bit j of qh as the fifth bit of value j; y = d·(q − 16).
     */
    static void q5_0(MemorySegment s, long at, float[] y, int to) {
        float d = f16(s, at);
        int qh = s.get(Bytes.INT, at + 2);
        for (int i = 0; i < 16; i++) {
            int q = u8(s, at + 6 + i);
            y[to + i] = d * (((q & 0xF) | ((qh >>> i) & 1) << 4) - 16);
            y[to + i + 16] = d * (((q >>> 4) | ((qh >>> (i + 16)) & 1) << 4) - 16);
        }
    }

    /**
     * block_q4_K (144 bytes, 256 values): half d; half dmin; uint8 scales[12]; uint8 qs[128]. Eight sub-blocks of 32
     * values, each with a 6-bit scale sc and 6-bit min m packed in {@code scales} (see {@link #scaleK4}). The 256
     * values come in four chunks of 64: chunk k reads qs[32k .. 32k+32); its low nibbles are sub-block 2k, its high
     * nibbles sub-block 2k+1. y = d·sc·q − dmin·m.
     */
    static void q4_K(MemorySegment s, long at, float[] y, int to) {
        float d = f16(s, at), dmin = f16(s, at + 2);
        long scales = at + 4, qs = at + 16;
        for (int k = 0; k < 4; k++) {
            float d1 = d * scaleK4(s, scales, 2 * k), m1 = dmin * minK4(s, scales, 2 * k);
            float d2 = d * scaleK4(s, scales, 2 * k + 1), m2 = dmin * minK4(s, scales, 2 * k + 1);
            for (int l = 0; l < 32; l++) {
                int q = u8(s, qs + 32 * k + l);
                y[to + 64 * k + l] = d1 * (q & 0xF) - m1;
                y[to + 64 * k + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }

    /**
     * block_q5_K (176 bytes, 256 values): half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]. As
     * {@link #q4_K} with a fifth bit: for chunk k, value l of sub-block 2k adds 16 if bit 2k of qh[l] is set, value l
     * of sub-block 2k+1 if bit 2k+1 is.
     */
    static void q5_K(MemorySegment s, long at, float[] y, int to) {
        float d = f16(s, at), dmin = f16(s, at + 2);
        long scales = at + 4, qh = at + 16, qs = at + 48;
        for (int k = 0; k < 4; k++) {
            float d1 = d * scaleK4(s, scales, 2 * k), m1 = dmin * minK4(s, scales, 2 * k);
            float d2 = d * scaleK4(s, scales, 2 * k + 1), m2 = dmin * minK4(s, scales, 2 * k + 1);
            for (int l = 0; l < 32; l++) {
                int q = u8(s, qs + 32 * k + l), h = u8(s, qh + l);
                y[to + 64 * k + l] = d1 * ((q & 0xF) | ((h >>> (2 * k)) & 1) << 4) - m1;
                y[to + 64 * k + 32 + l] = d2 * ((q >>> 4) | ((h >>> (2 * k + 1)) & 1) << 4) - m2;
            }
        }
    }

    /**
     * block_q6_K (210 bytes, 256 values): uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d (last). Two halves of
     * 128 values; half h uses ql[64h ..], qh[32h ..], scales[8h ..]. For l &lt; 32 in a half, the four values l, l+32,
     * l+64, l+96 take their low 4 bits from ql[l] low, ql[l+32] low, ql[l] high, ql[l+32] high nibbles and their top
     * 2 bits from qh[l] bits 0-1, 2-3, 4-5, 6-7. Each 16 values share one scale: value v of the half uses
     * scales[v / 16]. y = d·scale·(q − 32).
     */
    static void q6_K(MemorySegment s, long at, float[] y, int to) {
        float d = f16(s, at + 208);
        for (int half = 0; half < 2; half++) {
            long ql = at + 64 * half, qh = at + 128 + 32 * half, sc = at + 192 + 8 * half;
            int base = to + 128 * half;
            for (int l = 0; l < 32; l++) {
                int lo = u8(s, ql + l), hi = u8(s, ql + l + 32), h = u8(s, qh + l);
                int q1 = ((lo & 0xF) | (h & 3) << 4) - 32;
                int q2 = ((hi & 0xF) | ((h >>> 2) & 3) << 4) - 32;
                int q3 = ((lo >>> 4) | ((h >>> 4) & 3) << 4) - 32;
                int q4 = ((hi >>> 4) | ((h >>> 6) & 3) << 4) - 32;
                int g = l / 16;
                y[base + l] = d * i8(s, sc + g) * q1;
                y[base + l + 32] = d * i8(s, sc + g + 2) * q2;
                y[base + l + 64] = d * i8(s, sc + g + 4) * q3;
                y[base + l + 96] = d * i8(s, sc + g + 6) * q4;
            }
        }
    }

    /**
     * The 6-bit scale of sub-block j (0..7) from the 12 packed bytes of Q4_K/Q5_K: for j &lt; 4 the low 6 bits of byte j;
     * otherwise the low nibble of byte j+4 with the top 2 bits of byte j−4 above it.
     */
    static int scaleK4(MemorySegment s, long scales, int j) {
        if (j < 4) return u8(s, scales + j) & 63;
        return (u8(s, scales + j + 4) & 0xF) | (u8(s, scales + j - 4) >>> 6) << 4;
    }

    /**
     * The 6-bit min of sub-block j: for j &lt; 4 the low 6 bits of byte j+4; otherwise the high nibble of byte j+4 with
     * the top 2 bits of byte j above it.
     */
    static int minK4(MemorySegment s, long scales, int j) {
        if (j < 4) return u8(s, scales + j + 4) & 63;
        return (u8(s, scales + j + 4) >>> 4) | (u8(s, scales + j) >>> 6) << 4;
    }
}
