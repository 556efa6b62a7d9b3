package io.sirocco.engine;

/**
 * The arrays behind a {@link KvCache}: for each layer, keys and values of {@code slots} positions × kvDim values,
 * a slot being {@code block · blockSize + offsetInBlock}. Subclasses differ only in the element type; attention reads
 * through {@link #dotKey} and {@link #addValue}, which widen to f32 on the fly.
 */
abstract sealed class KvStorage {
    final int kvDim;

    KvStorage(int kvDim) {
        this.kvDim = kvDim;
    }

    static KvStorage create(KvType type, int nLayers, int kvDim, int headDim, int slots) {
        long n = (long) slots * kvDim;
        if (n > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("KV cache too large for one array per layer: " + n + " values (use fewer blocks)");
        return switch (type) {
            case F32 -> new F32(nLayers, kvDim, (int) n);
            case F16 -> new Half(nLayers, kvDim, (int) n, false);
            case BF16 -> new Half(nLayers, kvDim, (int) n, true);
            case Q8_0 -> {
                if (headDim % Q8.BLOCK != 0)
                    throw new IllegalArgumentException("q8_0 KV cache needs head_dim to be a multiple of 32, got " + headDim);
                yield new Q8(nLayers, kvDim, (int) n);
            }
        };
    }

    /** Stores kvDim keys from k[kOff..] and values from v[vOff..] at the slot. */
    abstract void write(int layer, int slot, float[] k, int kOff, float[] v, int vOff);

    /** Σ_i q[qOff+i] · key[slot][headOff+i] for i < n. */
    abstract float dotKey(int layer, int slot, int headOff, float[] q, int qOff, int n);

    /** out[outOff+i] += a · value[slot][headOff+i] for i < n. */
    abstract void addValue(int layer, int slot, int headOff, float a, float[] out, int outOff, int n);

    static final class F32 extends KvStorage {
        private final float[][] k, v; // [layer] (slots, kvDim)

        F32(int layers, int kvDim, int n) {
            super(kvDim);
            k = new float[layers][n];
            v = new float[layers][n];
        }

        @Override
        void write(int layer, int slot, float[] ks, int kOff, float[] vs, int vOff) {
            System.arraycopy(ks, kOff, k[layer], slot * kvDim, kvDim);
            System.arraycopy(vs, vOff, v[layer], slot * kvDim, kvDim);
        }

        @Override
        float dotKey(int layer, int slot, int headOff, float[] q, int qOff, int n) {
            float[] a = k[layer];
            int o = slot * kvDim + headOff;
            float s = 0;
            for (int i = 0; i < n; i++) s += q[qOff + i] * a[o + i];
            return s;
        }

        @Override
        void addValue(int layer, int slot, int headOff, float w, float[] out, int outOff, int n) {
            float[] a = v[layer];
            int o = slot * kvDim + headOff;
            for (int i = 0; i < n; i++) out[outOff + i] += w * a[o + i];
        }
    }

    /** f16 or bf16 in shorts. */
    static final class Half extends KvStorage {
        private final short[][] k, v; // [layer] (slots, kvDim)
        private final boolean bf16;

        Half(int layers, int kvDim, int n, boolean bf16) {
            super(kvDim);
            this.bf16 = bf16;
            k = new short[layers][n];
            v = new short[layers][n];
        }

        @Override
        void write(int layer, int slot, float[] ks, int kOff, float[] vs, int vOff) {
            short[] a = k[layer], b = v[layer];
            int o = slot * kvDim;
            for (int i = 0; i < kvDim; i++) {
                a[o + i] = narrow(ks[kOff + i]);
                b[o + i] = narrow(vs[vOff + i]);
            }
        }

        private short narrow(float x) {
            return bf16 ? toBf16(x) : Float.floatToFloat16(x);
        }

        @Override
        float dotKey(int layer, int slot, int headOff, float[] q, int qOff, int n) {
            short[] a = k[layer];
            int o = slot * kvDim + headOff;
            float s = 0;
            if (bf16) for (int i = 0; i < n; i++) s += q[qOff + i] * fromBf16(a[o + i]);
            else for (int i = 0; i < n; i++) s += q[qOff + i] * Float.float16ToFloat(a[o + i]);
            return s;
        }

        @Override
        void addValue(int layer, int slot, int headOff, float w, float[] out, int outOff, int n) {
            short[] a = v[layer];
            int o = slot * kvDim + headOff;
            if (bf16) for (int i = 0; i < n; i++) out[outOff + i] += w * fromBf16(a[o + i]);
            else for (int i = 0; i < n; i++) out[outOff + i] += w * Float.float16ToFloat(a[o + i]);
        }
    }

    /** ggml q8_0: per 32 values, d = max|x| / 127 (kept as f16) and q = round(x / d). */
    static final class Q8 extends KvStorage {
        static final int BLOCK = 32;
        private final byte[][] kq, vq;   // [layer] (slots, kvDim)
        private final float[][] kd, vd;  // [layer] (slots, kvDim / 32) scales, f16-rounded

        Q8(int layers, int kvDim, int n) {
            super(kvDim);
            kq = new byte[layers][n];
            vq = new byte[layers][n];
            kd = new float[layers][n / BLOCK];
            vd = new float[layers][n / BLOCK];
        }

        @Override
        void write(int layer, int slot, float[] ks, int kOff, float[] vs, int vOff) {
            quantize(ks, kOff, kq[layer], kd[layer], slot * kvDim);
            quantize(vs, vOff, vq[layer], vd[layer], slot * kvDim);
        }

        private void quantize(float[] x, int xOff, byte[] q, float[] d, int o) {
            for (int b = 0; b < kvDim; b += BLOCK) {
                float amax = 0;
                for (int i = 0; i < BLOCK; i++) amax = Math.max(amax, Math.abs(x[xOff + b + i]));
                float scale = amax / 127;
                float inv = scale == 0 ? 0 : 1 / scale;
                d[(o + b) / BLOCK] = Float.float16ToFloat(Float.floatToFloat16(scale));
                for (int i = 0; i < BLOCK; i++) {
                    float v = x[xOff + b + i] * inv;  // round half away from zero, as ggml's roundf
                    q[o + b + i] = (byte) (v >= 0 ? (int) (v + 0.5f) : -(int) (-v + 0.5f));
                }
            }
        }

        @Override
        float dotKey(int layer, int slot, int headOff, float[] q, int qOff, int n) {
            byte[] a = kq[layer];
            float[] d = kd[layer];
            int o = slot * kvDim + headOff;
            float s = 0;
            for (int b = 0; b < n; b += BLOCK) {
                float part = 0;
                for (int i = 0; i < BLOCK; i++) part += q[qOff + b + i] * a[o + b + i];
                s += part * d[(o + b) / BLOCK];
            }
            return s;
        }

        @Override
        void addValue(int layer, int slot, int headOff, float w, float[] out, int outOff, int n) {
            byte[] a = vq[layer];
            float[] d = vd[layer];
            int o = slot * kvDim + headOff;
            for (int b = 0; b < n; b += BLOCK) {
                float wd = w * d[(o + b) / BLOCK];
                for (int i = 0; i < BLOCK; i++) out[outOff + b + i] += wd * a[o + b + i];
            }
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
