package io.sirocco.image;

/**
 * OpenCV's {@code cv2.resize(float32 image, (dw, dh), interpolation=INTER_CUBIC)}, reproduced bit for bit
 * (OpenCV 4.x, x86-64 build: scalar horizontal pass, 4-lane SSE vertical pass, no FMA).
 *
 * <p>What OpenCV does, and therefore what this does:
 * <ul>
 *   <li>pixel-centre mapping {@code f = (float)((d + 0.5) * scale - 0.5)} with {@code scale = 1 / (dst / src)} in double;
 *       the fraction {@code f - floor(f)} gives Keys' cubic weights (a = -0.75) computed in float;</li>
 *   <li>no antialiasing when shrinking (always 4 taps), borders replicate the edge pixel, no clipping of the result;</li>
 *   <li>separable: each needed source row is filtered horizontally into float, then 4 such rows are combined;</li>
 *   <li>the float summation order of OpenCV's loops (it decides the last bit): horizontal {@code ((p0 + p1) + p2) + p3},
 *       vertical (SIMD {@code v_muladd} chain) {@code p0 + (p1 + (p2 + p3))} on whole 4-float vectors, left to right
 *       for the tail of a row that does not fill one;</li>
 *   <li>same size in and out: a plain copy.</li>
 * </ul>
 * Images are interleaved (HWC) float arrays with {@code channels} values per pixel.
 */
public final class CubicResize {

    /** SSE register width in floats: the vertical pass runs the vector formula on whole groups of this many values. */
    private static final int LANES = 4;

    private CubicResize() {}

    public static float[] resize(float[] src, int srcWidth, int srcHeight, int channels, int dstWidth, int dstHeight) {
        checkShape(src.length, srcWidth, srcHeight, channels, dstWidth, dstHeight);
        int rowLen = srcWidth * channels;
        return resize((y, out) -> System.arraycopy(src, y * rowLen, out, 0, rowLen), srcWidth, srcHeight, channels, dstWidth, dstHeight);
    }

    /** An 8-bit RGB image, read as float32 0..255 one row at a time (no full float copy of a large source). */
    public static float[] resize(RgbImage image, int dstWidth, int dstHeight) {
        byte[] px = image.rgb();
        int rowLen = image.width() * 3;
        RowSource rows = (y, out) -> {
            for (int i = 0, p = y * rowLen; i < rowLen; i++, p++) out[i] = px[p] & 0xFF;
        };
        return resize(rows, image.width(), image.height(), 3, dstWidth, dstHeight);
    }

    /** Source rows as float, {@code width * channels} values each. */
    interface RowSource {
        void read(int y, float[] out);
    }

    static float[] resize(RowSource src, int srcWidth, int srcHeight, int channels, int dstWidth, int dstHeight) {
        checkShape((long) srcWidth * srcHeight * channels, srcWidth, srcHeight, channels, dstWidth, dstHeight);
        int rowLen = dstWidth * channels;
        float[] line = new float[srcWidth * channels];
        if (srcWidth == dstWidth && srcHeight == dstHeight) {
            float[] copy = new float[srcHeight * rowLen];
            for (int y = 0; y < srcHeight; y++) {
                src.read(y, line);
                System.arraycopy(line, 0, copy, y * rowLen, rowLen);
            }
            return copy;
        }
        Taps xs = Taps.of(srcWidth, dstWidth);
        Taps ys = Taps.of(srcHeight, dstHeight);
        float[] dst = new float[dstHeight * rowLen];
        // Horizontally filtered source rows, computed once when first needed and dropped once passed (y taps only move down).
        float[][] rows = new float[srcHeight][];
        int released = 0;
        float[][] four = new float[4][];
        for (int dy = 0; dy < dstHeight; dy++) {
            int sy = ys.offset[dy];
            for (int k = 0; k < 4; k++) {
                int r = clamp(sy - 1 + k, srcHeight);
                if (rows[r] == null) {
                    src.read(r, line);
                    rows[r] = horizontal(line, srcWidth, channels, xs);
                }
                four[k] = rows[r];
            }
            for (int lowest = clamp(sy - 1, srcHeight); released < lowest; released++) rows[released] = null;
            vertical(four, ys.weight, 4 * dy, dst, dy * rowLen, rowLen);
        }
        return dst;
    }

    /** One source row filtered to the destination width (OpenCV HResizeCubic). */
    static float[] horizontal(float[] src, int srcWidth, int cn, Taps xs) {
        int dstWidth = xs.offset.length;
        float[] out = new float[dstWidth * cn];
        float[] w = xs.weight;
        for (int dx = 0; dx < dstWidth; dx++) {
            int sx = xs.offset[dx];
            float a0 = w[4 * dx], a1 = w[4 * dx + 1], a2 = w[4 * dx + 2], a3 = w[4 * dx + 3];
            boolean inside = dx >= xs.insideFrom && dx < xs.insideTo;
            for (int c = 0; c < cn; c++) {
                float v;
                if (inside) {
                    int p = sx * cn + c;
                    v = src[p - cn] * a0 + src[p] * a1 + src[p + cn] * a2 + src[p + 2 * cn] * a3;
                } else {
                    // OpenCV's border loop: clamp each tap to the image and accumulate from 0.
                    v = 0f;
                    v += src[clamp(sx - 1, srcWidth) * cn + c] * a0;
                    v += src[clamp(sx, srcWidth) * cn + c] * a1;
                    v += src[clamp(sx + 1, srcWidth) * cn + c] * a2;
                    v += src[clamp(sx + 2, srcWidth) * cn + c] * a3;
                }
                out[dx * cn + c] = v;
            }
        }
        return out;
    }

    /** Four filtered rows combined into one destination row (OpenCV VResizeCubic + VResizeCubicVec_32f). */
    static void vertical(float[][] s, float[] beta, int at, float[] dst, int dstOffset, int len) {
        float b0 = beta[at], b1 = beta[at + 1], b2 = beta[at + 2], b3 = beta[at + 3];
        float[] s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
        int vectorEnd = len - len % LANES;
        int x = 0;
        for (; x < vectorEnd; x++) dst[dstOffset + x] = s0[x] * b0 + (s1[x] * b1 + (s2[x] * b2 + s3[x] * b3));
        for (; x < len; x++) dst[dstOffset + x] = s0[x] * b0 + s1[x] * b1 + s2[x] * b2 + s3[x] * b3;
    }

    /**
     * Source positions and weights along one axis. {@code offset[d]} is the source index of tap 1 (taps at offset-1 ..
     * offset+2); {@code weight[4d..4d+3]} the taps' weights; destinations in [insideFrom, insideTo) need no clamping.
     */
    record Taps(int[] offset, float[] weight, int insideFrom, int insideTo) {
        static Taps of(int srcSize, int dstSize) {
            double scale = 1.0 / ((double) dstSize / srcSize);
            int[] offset = new int[dstSize];
            float[] weight = new float[4 * dstSize];
            int insideFrom = 0, insideTo = dstSize;
            for (int d = 0; d < dstSize; d++) {
                float f = (float) ((d + 0.5) * scale - 0.5);
                int s = (int) Math.floor(f);
                f -= s;
                if (s < 1) insideFrom = d + 1;
                if (s + 2 >= srcSize) insideTo = Math.min(insideTo, d);
                offset[d] = s;
                keys(f, weight, 4 * d);
            }
            return new Taps(offset, weight, insideFrom, insideTo);
        }
    }

    /** Keys' cubic convolution weights for fraction x in [0, 1), a = -0.75, evaluated in float as OpenCV's interpolateCubic. */
    static void keys(float x, float[] w, int at) {
        final float a = -0.75f;
        float x1 = x + 1, y = 1 - x;
        w[at] = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a;
        w[at + 1] = ((a + 2) * x - (a + 3)) * x * x + 1;
        w[at + 2] = ((a + 2) * y - (a + 3)) * y * y + 1;
        w[at + 3] = 1f - w[at] - w[at + 1] - w[at + 2];
    }

    private static int clamp(int i, int size) {
        return i < 0 ? 0 : i >= size ? size - 1 : i;
    }

    private static void checkShape(long length, int w, int h, int cn, int dw, int dh) {
        if (w <= 0 || h <= 0 || cn <= 0 || dw <= 0 || dh <= 0)
            throw new IllegalArgumentException("bad resize shape: " + w + "x" + h + "x" + cn + " -> " + dw + "x" + dh);
        if (length != (long) w * h * cn)
            throw new IllegalArgumentException("image array has " + length + " values, expected " + w + "x" + h + "x" + cn);
        if ((long) dw * dh * cn > Integer.MAX_VALUE) throw new IllegalArgumentException("resize target too large: " + dw + "x" + dh);
    }
}
