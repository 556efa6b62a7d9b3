package io.sirocco.engine;

import io.sirocco.tensor.kernel.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The arrays behind a {@link KvCache}: per plane (keys, and values when the decoder caches them) and layer,
 * {@code slots} positions × width values, a slot being {@code block · blockSize + offsetInBlock}. Subclasses differ only
 * in the element type; attention reads through {@link #dot} and {@link #axpy}, which widen to f32 on the fly.
 */
abstract sealed class KvStorage {
    static final int KEYS = 0, VALUES = 1;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    final int width;
    final int planes;

    KvStorage(int width, int planes) {
        this.width = width;
        this.planes = planes;
    }

    static KvStorage create(KvType type, KvCache.Shape shape, int slots) {
        long n = (long) slots * shape.width();
        if (n > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("KV cache too large for one array per layer: " + n + " values (use fewer blocks)");
        int planes = shape.values() ? 2 : 1;
        return switch (type) {
            case F32 -> new F32(planes, shape.layers(), shape.width(), (int) n);
            case F16 -> new Half(planes, shape.layers(), shape.width(), (int) n, false);
            case BF16 -> new Half(planes, shape.layers(), shape.width(), (int) n, true);
            case Q8_0 -> {
                if (shape.unit() % Q8.BLOCK != 0)
                    throw new IllegalArgumentException("q8_0 KV cache: the span attention reads at once (head_dim) must be a multiple of 32, got " + shape.unit());
                yield new Q8(planes, shape.layers(), shape.width(), (int) n);
            }
        };
    }

    /** Stores width values of {@code x[xOff..]} at the slot of one plane. */
    abstract void write(int plane, int layer, int slot, float[] x, int xOff);

    /** Σ_i q[qOff+i] · plane[slot][off+i] for i < n. */
    abstract float dot(int plane, int layer, int slot, int off, float[] q, int qOff, int n);

    /** out[outOff+i] += a · plane[slot][off+i] for i < n. */
    abstract void axpy(int plane, int layer, int slot, int off, float a, float[] out, int outOff, int n);

    /** dst[dstOff+i] = plane[slot][off+i] widened to f32, i < n: the plain read that references and tests use. */
    abstract void read(int plane, int layer, int slot, int off, float[] dst, int dstOff, int n);

    static final class F32 extends KvStorage {
        private final float[][][] x; // [plane][layer] (slots, width)

        F32(int planes, int layers, int width, int n) {
            super(width, planes);
            x = new float[planes][layers][n];
        }

        @Override
        void write(int plane, int layer, int slot, float[] src, int off) {
            System.arraycopy(src, off, x[plane][layer], slot * width, width);
        }

        @Override
        float dot(int plane, int layer, int slot, int off, float[] q, int qOff, int n) {
            float[] a = x[plane][layer];
            int o = slot * width + off, i = 0;
            FloatVector acc = FloatVector.zero(F);
            for (int bound = F.loopBound(n); i < bound; i += F.length())
                acc = FloatVector.fromArray(F, q, qOff + i).fma(FloatVector.fromArray(F, a, o + i), acc);
            float s = FloatLanes.sum(acc);
            for (; i < n; i++) s += q[qOff + i] * a[o + i];
            return s;
        }

        @Override
        void axpy(int plane, int layer, int slot, int off, float w, float[] out, int outOff, int n) {
            float[] a = x[plane][layer];
            int o = slot * width + off, i = 0;
            FloatVector wv = FloatVector.broadcast(F, w);
            for (int bound = F.loopBound(n); i < bound; i += F.length())
                FloatVector.fromArray(F, a, o + i).fma(wv, FloatVector.fromArray(F, out, outOff + i)).intoArray(out, outOff + i);
            for (; i < n; i++) out[outOff + i] += w * a[o + i];
        }

        @Override
        void read(int plane, int layer, int slot, int off, float[] dst, int dstOff, int n) {
            System.arraycopy(x[plane][layer], slot * width + off, dst, dstOff, n);
        }
    }

    /** f16 or bf16 in shorts. */
    static final class Half extends KvStorage {
        private final short[][][] x; // [plane][layer] (slots, width)
        private final boolean bf16;

        Half(int planes, int layers, int width, int n, boolean bf16) {
            super(width, planes);
            this.bf16 = bf16;
            x = new short[planes][layers][n];
        }

        @Override
        void write(int plane, int layer, int slot, float[] src, int off) {
            short[] a = x[plane][layer];
            int o = slot * width;
            for (int i = 0; i < width; i++) a[o + i] = bf16 ? toBf16(src[off + i]) : Float.floatToFloat16(src[off + i]);
        }

        @Override
        float dot(int plane, int layer, int slot, int off, float[] q, int qOff, int n) {
            short[] a = x[plane][layer];
            int o = slot * width + off;
            float s = 0;
            if (bf16) for (int i = 0; i < n; i++) s += q[qOff + i] * fromBf16(a[o + i]);
            else for (int i = 0; i < n; i++) s += q[qOff + i] * Float.float16ToFloat(a[o + i]);
            return s;
        }

        @Override
        void axpy(int plane, int layer, int slot, int off, float w, float[] out, int outOff, int n) {
            short[] a = x[plane][layer];
            int o = slot * width + off;
            if (bf16) for (int i = 0; i < n; i++) out[outOff + i] += w * fromBf16(a[o + i]);
            else for (int i = 0; i < n; i++) out[outOff + i] += w * Float.float16ToFloat(a[o + i]);
        }

        @Override
        void read(int plane, int layer, int slot, int off, float[] dst, int dstOff, int n) {
            short[] a = x[plane][layer];
            int o = slot * width + off;
            for (int i = 0; i < n; i++) dst[dstOff + i] = bf16 ? fromBf16(a[o + i]) : Float.float16ToFloat(a[o + i]);
        }
    }

    /** ggml q8_0: per 32 values, d = max|x| / 127 (kept as f16) and q = round(x / d). */
    static final class Q8 extends KvStorage {
        static final int BLOCK = 32;
        private final byte[][][] q;   // [plane][layer] (slots, width)
        private final float[][][] d;  // [plane][layer] (slots, width / 32) scales, f16-rounded

        Q8(int planes, int layers, int width, int n) {
            super(width, planes);
            q = new byte[planes][layers][n];
            d = new float[planes][layers][n / BLOCK];
        }

        @Override
        void write(int plane, int layer, int slot, float[] x, int xOff) {
            byte[] qs = q[plane][layer];
            float[] ds = d[plane][layer];
            int o = slot * width;
            for (int b = 0; b < width; b += BLOCK) {
                float amax = 0;
                for (int i = 0; i < BLOCK; i++) amax = Math.max(amax, Math.abs(x[xOff + b + i]));
                float scale = amax / 127;
                float inv = scale == 0 ? 0 : 1 / scale;
                ds[(o + b) / BLOCK] = Float.float16ToFloat(Float.floatToFloat16(scale));
                for (int i = 0; i < BLOCK; i++) {
                    float v = x[xOff + b + i] * inv;  // round half away from zero, as ggml's roundf
                    qs[o + b + i] = (byte) (v >= 0 ? (int) (v + 0.5f) : -(int) (-v + 0.5f));
                }
            }
        }

        @Override
        float dot(int plane, int layer, int slot, int off, float[] x, int xOff, int n) {
            byte[] a = q[plane][layer];
            float[] ds = d[plane][layer];
            int o = slot * width + off;
            float s = 0;
            for (int b = 0; b < n; b += BLOCK) {
                float part = 0;
                for (int i = 0; i < BLOCK; i++) part += x[xOff + b + i] * a[o + b + i];
                s += part * ds[(o + b) / BLOCK];
            }
            return s;
        }

        @Override
        void axpy(int plane, int layer, int slot, int off, float w, float[] out, int outOff, int n) {
            byte[] a = q[plane][layer];
            float[] ds = d[plane][layer];
            int o = slot * width + off;
            for (int b = 0; b < n; b += BLOCK) {
                float wd = w * ds[(o + b) / BLOCK];
                for (int i = 0; i < BLOCK; i++) out[outOff + b + i] += wd * a[o + b + i];
            }
        }

        @Override
        void read(int plane, int layer, int slot, int off, float[] dst, int dstOff, int n) {
            byte[] a = q[plane][layer];
            float[] ds = d[plane][layer];
            int o = slot * width + off;
            for (int i = 0; i < n; i++) dst[dstOff + i] = a[o + i] * ds[(o + i) / BLOCK];
        }
    }

    /** f32 → bf16, round to nearest even; NaN stays a quiet NaN. */
    static short toBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    static float fromBf16(short s) {
        return Float.intBitsToFloat(s << 16);
    }
}
