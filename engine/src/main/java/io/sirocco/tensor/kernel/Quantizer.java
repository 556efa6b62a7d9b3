package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Bytes.putF16;
import static io.sirocco.tensor.kernel.Bytes.putU8;

import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar quantizers writing ggml block layouts (see {@link ScalarKernels} for the layouts). Q8_0 and Q4_0 follow
 * llama.cpp's reference quantizers exactly; the K-quants use the same scale packing and final re-quantization as
 * llama.cpp's {@code quantize_row_*_ref} but a simpler fit per sub-block (min/max, then one least-squares refinement
 * instead of a grid search), which costs a few percent of extra error. Used for demo/bench models and test data.
 */
public final class Quantizer {
    private Quantizer() {}

    /** Quantizes {@code src[off .. off+n)} (whole blocks) into {@code dst} at byte {@code dstOff}. */
    public static void quantizeRow(GgmlType type, float[] src, int off, int n, MemorySegment dst, long dstOff) {
        if (!type.supported) throw Checks.unsupported(type);
        if (n % type.blockSize != 0)
            throw new IllegalArgumentException(type + ": " + n + " values is not a multiple of the block size " + type.blockSize);
        Checks.range("src", src.length, off, n);
        long bytes = type.byteSize(n);
        if (dstOff < 0 || dstOff + bytes > dst.byteSize())
            throw new IndexOutOfBoundsException("dst: need " + bytes + " bytes at offset " + dstOff + " but the segment has " + dst.byteSize());
        for (int b = 0; b < n / type.blockSize; b++) {
            int from = off + b * type.blockSize;
            long at = dstOff + (long) b * type.typeSize;
            switch (type) {
                case F32 -> dst.set(Bytes.FLOAT, at, src[from]);
                case F16 -> putF16(dst, at, src[from]);
                case BF16 -> dst.set(Bytes.SHORT, at, toBf16(src[from]));
                case Q8_0 -> q8_0(src, from, dst, at);
                case Q4_0 -> q4_0(src, from, dst, at);
                case Q5_0 -> q5_0(src, from, dst, at);
                case Q4_K -> qK(src, from, dst, at, 15);
                case Q5_K -> qK(src, from, dst, at, 31);
                case Q6_K -> q6_K(src, from, dst, at);
                default -> throw Checks.unsupported(type);
            }
        }
    }

    /** A tensor of shape {@code shape} holding {@code values} (row-major, outermost first) quantized to {@code type}. */
    public static Tensor tensor(String name, GgmlType type, long[] shape, float[] values, Arena arena) {
        long count = 1;
        for (long d : shape) count *= d;
        if (count != values.length)
            throw new IllegalArgumentException(name + ": shape holds " + count + " values but " + values.length + " were given");
        MemorySegment data = arena.allocate(Math.max(1, type.byteSize(count)), 1);
        quantizeRow(type, values, 0, values.length, data, 0);
        return new Tensor(name, type, shape, data);
    }

    /** F32 → BF16 rounding to nearest even (as ggml does); NaN stays a quiet NaN. */
    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 64);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** d = absmax / 127; q = round(x / d), halves away from zero (C's roundf). */
    private static void q8_0(float[] x, int from, MemorySegment dst, long at) {
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(x[from + i]));
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        putF16(dst, at, d);
        for (int i = 0; i < 32; i++) putU8(dst, at + 2 + i, roundHalfAway(x[from + i] * id));
    }

    /** The value of largest magnitude among x[from .. from + 32), with its sign (the first of equal magnitudes). */
    private static float largestMagnitude(float[] x, int from) {
        float amax = 0, max = 0;
        for (int i = 0; i < 32; i++) {
            float v = x[from + i];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max;
    }

    /** d = (the value of largest magnitude) / −8, so that value maps exactly to nibble 0; q = min(15, trunc(x/d + 8.5)). */
    private static void q4_0(float[] x, int from, MemorySegment dst, long at) {
        float d = largestMagnitude(x, from) / -8;
        float id = d != 0 ? 1 / d : 0;
        putF16(dst, at, d);
        for (int i = 0; i < 16; i++) {
            int lo = clamp((int) (x[from + i] * id + 8.5f), 0, 15);
            int hi = clamp((int) (x[from + i + 16] * id + 8.5f), 0, 15);
            putU8(dst, at + 2 + i, lo | hi << 4);
        }
    }

    /** d = (the value of largest magnitude) / −16; q = min(31, trunc(x/d + 16.5)), fifth bits gathered in qh. */
    private static void q5_0(float[] x, int from, MemorySegment dst, long at) {
        float d = largestMagnitude(x, from) / -16;
        float id = d != 0 ? 1 / d : 0;
        putF16(dst, at, d);
        int qh = 0;
        for (int i = 0; i < 16; i++) {
            int lo = clamp((int) (x[from + i] * id + 16.5f), 0, 31);
            int hi = clamp((int) (x[from + i + 16] * id + 16.5f), 0, 31);
            putU8(dst, at + 6 + i, (lo & 0xF) | (hi & 0xF) << 4);
            qh |= (lo >>> 4) << i | (hi >>> 4) << (i + 16);
        }
        dst.set(Bytes.INT, at + 2, qh);
    }

    /** Q4_K (nmax 15) and Q5_K (nmax 31): eight sub-blocks of 32 with value ≈ scale·L − min, min ≥ 0. */
    private static void qK(float[] x, int from, MemorySegment dst, long at, int nmax) {
        float[] scales = new float[8], mins = new float[8];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++) {
            float[] fit = fitAffine(x, from + 32 * j, 32, nmax);
            scales[j] = fit[0];
            mins[j] = fit[1];
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        // 6-bit scales and mins relative to the block's d and dmin.
        float invScale = maxScale > 0 ? 63 / maxScale : 0;
        float invMin = maxMin > 0 ? 63 / maxMin : 0;
        int[] ls = new int[8], lm = new int[8];
        byte[] packed = new byte[12];
        for (int j = 0; j < 8; j++) {
            ls[j] = Math.min(63, (int) Math.rint(invScale * scales[j]));
            lm[j] = Math.min(63, (int) Math.rint(invMin * mins[j]));
            if (j < 4) {
                packed[j] = (byte) ls[j];
                packed[j + 4] = (byte) lm[j];
            } else {
                packed[j + 4] = (byte) ((ls[j] & 0xF) | (lm[j] & 0xF) << 4);
                packed[j - 4] |= (byte) ((ls[j] >>> 4) << 6);
                packed[j] |= (byte) ((lm[j] >>> 4) << 6);
            }
        }
        putF16(dst, at, maxScale / 63);
        putF16(dst, at + 2, maxMin / 63);
        MemorySegment.copy(packed, 0, dst, ValueLayout.JAVA_BYTE, at + 4, 12);
        // Re-quantize against the scales as stored (f16 d and dmin times 6-bit factors).
        float d = Float.float16ToFloat(Float.floatToFloat16(maxScale / 63));
        float dmin = Float.float16ToFloat(Float.floatToFloat16(maxMin / 63));
        int[] levels = new int[256];
        for (int j = 0; j < 8; j++) {
            float dj = d * ls[j];
            if (dj == 0) continue;
            float mj = dmin * lm[j];
            for (int i = 0; i < 32; i++) levels[32 * j + i] = clamp((int) Math.rint((x[from + 32 * j + i] + mj) / dj), 0, nmax);
        }
        if (nmax == 15) {
            for (int k = 0; k < 4; k++)
                for (int l = 0; l < 32; l++)
                    putU8(dst, at + 16 + 32 * k + l, levels[64 * k + l] | levels[64 * k + 32 + l] << 4);
        } else {
            int[] qh = new int[32];
            for (int k = 0; k < 4; k++) {
                for (int l = 0; l < 32; l++) {
                    int l1 = levels[64 * k + l], l2 = levels[64 * k + 32 + l];
                    qh[l] |= (l1 >>> 4) << (2 * k) | (l2 >>> 4) << (2 * k + 1);
                    putU8(dst, at + 48 + 32 * k + l, (l1 & 0xF) | (l2 & 0xF) << 4);
                }
            }
            for (int l = 0; l < 32; l++) putU8(dst, at + 16 + l, qh[l]);
        }
    }

    /**
     * Fits x ≈ scale·L − min with integer L in [0, nmax] and min ≥ 0 (the min is only ever subtracted): start from the
     * range, then refit scale and min by least squares for the chosen levels and keep the refit if it is better.
     * Returns {scale, min}.
     */
    private static float[] fitAffine(float[] x, int from, int n, int nmax) {
        float lo = 0, hi = x[from];
        for (int i = 0; i < n; i++) {
            lo = Math.min(lo, x[from + i]);
            hi = Math.max(hi, x[from + i]);
        }
        if (hi <= lo) return new float[] {0, -lo};
        float scale = (hi - lo) / nmax;
        int[] l = new int[n];
        double sumL = 0, sumL2 = 0, sumX = 0, sumXL = 0;
        for (int i = 0; i < n; i++) {
            l[i] = clamp((int) Math.rint((x[from + i] - lo) / scale), 0, nmax);
            sumL += l[i];
            sumL2 += (double) l[i] * l[i];
            sumX += x[from + i];
            sumXL += (double) x[from + i] * l[i];
        }
        double det = n * sumL2 - sumL * sumL;
        if (det > 0) {
            double s = (n * sumXL - sumX * sumL) / det;
            double m = (sumL2 * sumX - sumL * sumXL) / det; // the offset (≤ 0 wanted)
            if (m > 0) {
                m = 0;
                s = sumXL / sumL2;
            }
            if (s > 0 && error(x, from, l, s, m) < error(x, from, l, scale, lo)) {
                scale = (float) s;
                lo = (float) m;
            }
        }
        return new float[] {scale, -lo};
    }

    private static double error(float[] x, int from, int[] l, double scale, double offset) {
        double e = 0;
        for (int i = 0; i < l.length; i++) {
            double diff = scale * l[i] + offset - x[from + i];
            e += diff * diff;
        }
        return e;
    }

    /** Q6_K: sixteen sub-blocks of 16 with value = scale·(L − 32), L in [0, 63]; int8 scales relative to d. */
    private static void q6_K(float[] x, int from, MemorySegment dst, long at) {
        float[] scales = new float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            scales[ib] = fitSymmetric(x, from + 16 * ib, 16);
            if (Math.abs(scales[ib]) > maxAbsScale) {
                maxAbsScale = Math.abs(scales[ib]);
                maxScale = scales[ib];
            }
        }
        if (maxAbsScale < 1e-15f) {
            dst.asSlice(at, 210).fill((byte) 0);
            return;
        }
        float iscale = -128 / maxScale;
        putF16(dst, at + 208, 1 / iscale);
        float d = Float.float16ToFloat(Float.floatToFloat16(1 / iscale));
        int[] levels = new int[256];
        for (int ib = 0; ib < 16; ib++) {
            int sc = Math.min(127, (int) Math.rint(iscale * scales[ib]));
            putU8(dst, at + 192 + ib, sc);
            float dd = d * sc;
            for (int i = 0; i < 16; i++) {
                int q = dd == 0 ? 0 : clamp((int) Math.rint(x[from + 16 * ib + i] / dd), -32, 31);
                levels[16 * ib + i] = q + 32;
            }
        }
        for (int half = 0; half < 2; half++) {
            int j = 128 * half;
            for (int l = 0; l < 32; l++) {
                int q1 = levels[j + l], q2 = levels[j + l + 32], q3 = levels[j + l + 64], q4 = levels[j + l + 96];
                putU8(dst, at + 64 * half + l, (q1 & 0xF) | (q3 & 0xF) << 4);
                putU8(dst, at + 64 * half + l + 32, (q2 & 0xF) | (q4 & 0xF) << 4);
                putU8(dst, at + 128 + 32 * half + l, q1 >>> 4 | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6);
            }
        }
    }

    /**
     * Scale for x ≈ scale·q, q in [−32, 31]: the value of largest magnitude maps to −32 (as in ggml), then the scale is
     * refit by least squares for the chosen q. Zero for an all-zero group.
     */
    private static float fitSymmetric(float[] x, int from, int n) {
        float amax = 0, max = 0;
        for (int i = 0; i < n; i++) {
            if (Math.abs(x[from + i]) > amax) {
                amax = Math.abs(x[from + i]);
                max = x[from + i];
            }
        }
        if (amax < 1e-15f) return 0;
        float iscale = -32 / max;
        double sumLX = 0, sumL2 = 0;
        for (int i = 0; i < n; i++) {
            int q = clamp((int) Math.rint(iscale * x[from + i]), -32, 31);
            sumLX += (double) q * x[from + i];
            sumL2 += (double) q * q;
        }
        return sumL2 > 0 ? (float) (sumLX / sumL2) : 1 / iscale;
    }

    private static int roundHalfAway(float v) {
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
