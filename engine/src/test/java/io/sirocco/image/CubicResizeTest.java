package io.sirocco.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CubicResizeTest {

    /**
     * Plain reference: every output value computed on its own from its 4x4 neighbourhood, with the same float
     * expressions (horizontal taps first, then the vertical combination), no row cache, no separable bookkeeping.
     */
    static float[] reference(float[] src, int w, int h, int cn, int dw, int dh) {
        if (w == dw && h == dh) return src.clone();
        CubicResize.Taps xs = CubicResize.Taps.of(w, dw), ys = CubicResize.Taps.of(h, dh);
        float[] out = new float[dw * dh * cn];
        int len = dw * cn, vectorEnd = len - len % 4;
        for (int dy = 0; dy < dh; dy++)
            for (int dx = 0; dx < dw; dx++)
                for (int c = 0; c < cn; c++) {
                    float[] p = new float[4];
                    for (int k = 0; k < 4; k++) {
                        int row = Math.clamp(ys.offset()[dy] - 1 + k, 0, h - 1);
                        float[] a = {xs.weight()[4 * dx], xs.weight()[4 * dx + 1], xs.weight()[4 * dx + 2], xs.weight()[4 * dx + 3]};
                        int sx = xs.offset()[dx];
                        if (dx >= xs.insideFrom() && dx < xs.insideTo()) {
                            p[k] = at(src, w, cn, row, sx - 1, c) * a[0] + at(src, w, cn, row, sx, c) * a[1]
                                    + at(src, w, cn, row, sx + 1, c) * a[2] + at(src, w, cn, row, sx + 2, c) * a[3];
                        } else {
                            float v = 0f;
                            for (int j = 0; j < 4; j++) v += at(src, w, cn, row, Math.clamp(sx - 1 + j, 0, w - 1), c) * a[j];
                            p[k] = v;
                        }
                    }
                    float[] b = {ys.weight()[4 * dy], ys.weight()[4 * dy + 1], ys.weight()[4 * dy + 2], ys.weight()[4 * dy + 3]};
                    int x = dx * cn + c;
                    out[dy * len + x] = x < vectorEnd ? p[0] * b[0] + (p[1] * b[1] + (p[2] * b[2] + p[3] * b[3]))
                            : p[0] * b[0] + p[1] * b[1] + p[2] * b[2] + p[3] * b[3];
                }
        return out;
    }

    private static float at(float[] src, int w, int cn, int row, int col, int c) {
        return src[(row * w + col) * cn + c];
    }

    /** Textbook Keys bicubic in double with OpenCV's centre mapping and replicated borders (checks the math, not the bits). */
    static double exactBicubic(float[] src, int w, int h, int cn, int dw, int dh, int dx, int dy, int c) {
        double fx = (dx + 0.5) * w / dw - 0.5, fy = (dy + 0.5) * h / dh - 0.5;
        int x0 = (int) Math.floor(fx), y0 = (int) Math.floor(fy);
        double sum = 0;
        for (int j = -1; j <= 2; j++)
            for (int i = -1; i <= 2; i++)
                sum += keys(fy - (y0 + j)) * keys(fx - (x0 + i))
                        * src[(Math.clamp(y0 + j, 0, h - 1) * w + Math.clamp(x0 + i, 0, w - 1)) * cn + c];
        return sum;
    }

    private static double keys(double t) {
        double a = -0.75, x = Math.abs(t);
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0;
    }

    @ParameterizedTest(name = "{0}x{1}x{2} -> {3}x{4}")
    @CsvSource({
        "1, 1, 3, 28, 28", "2, 3, 3, 28, 56", "100, 37, 3, 112, 56", "55, 55, 3, 56, 56", "57, 30, 3, 28, 28",
        "200, 90, 3, 56, 28", "13, 7, 1, 5, 9", "9, 5, 4, 17, 3", "5, 5, 3, 5, 7", "31, 3, 3, 7, 11",
    })
    void matchesPlainReferenceBitForBitAndTextbookBicubic(int w, int h, int cn, int dw, int dh) {
        Random r = new Random(w * 31L + h);
        float[] src = new float[w * h * cn];
        for (int i = 0; i < src.length; i++) src[i] = r.nextInt(256) + (r.nextBoolean() ? 0 : r.nextFloat());
        float[] fast = CubicResize.resize(src, w, h, cn, dw, dh);
        assertThat(fast).containsExactly(reference(src, w, h, cn, dw, dh));
        for (int dy = 0; dy < dh; dy++)
            for (int dx = 0; dx < dw; dx++)
                for (int c = 0; c < cn; c++)
                    assertThat((double) fast[(dy * dw + dx) * cn + c])
                            .isCloseTo(exactBicubic(src, w, h, cn, dw, dh, dx, dy, c), org.assertj.core.data.Offset.offset(2e-3));
    }

    @Test
    void byteSourceEqualsFloatSource() {
        byte[] px = new byte[45 * 17 * 3];
        new Random(5).nextBytes(px);
        RgbImage img = new RgbImage(45, 17, px);
        assertThat(CubicResize.resize(img, 56, 28)).containsExactly(CubicResize.resize(img.toFloatHwc(), 45, 17, 3, 56, 28));
        assertThat(CubicResize.resize(img, 45, 17)).containsExactly(img.toFloatHwc());
    }

    @Test
    void overshootIsNotClipped() {
        // A hard 0/255 edge upscaled: Keys' negative lobes go below 0 and above 255, as in OpenCV.
        float[] src = {0, 0, 255, 255};
        float[] out = CubicResize.resize(src, 4, 1, 1, 16, 1);
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : out) { min = Math.min(min, v); max = Math.max(max, v); }
        assertThat(min).isLessThan(0f);
        assertThat(max).isGreaterThan(255f);
    }

    @Test
    void preprocess1540SquareIsFast() {
        Random r = new Random(1);
        byte[] px = new byte[1540 * 1540 * 3];
        r.nextBytes(px);
        RgbImage img = new RgbImage(1540, 1540, px);
        ImagePreprocessor pre = new ImagePreprocessor(ImageConfig.MISTRAL_SMALL_3);
        byte[] big = new byte[2000 * 1600 * 3];
        r.nextBytes(big);
        RgbImage larger = new RgbImage(2000, 1600, big);
        for (int i = 0; i < 2; i++) pre.preprocess(larger); // warm-up (JIT)
        long t0 = System.nanoTime();
        PreprocessedImage out = pre.preprocess(img);
        long t1 = System.nanoTime();
        PreprocessedImage down = pre.preprocess(larger);
        long t2 = System.nanoTime();
        System.out.printf("preprocess 1540x1540 (same size): %.0f ms; 2000x1600 -> %dx%d: %.0f ms%n",
                (t1 - t0) / 1e6, down.width(), down.height(), (t2 - t1) / 1e6);
        assertThat(out.width()).isEqualTo(1540);
        assertThat(down.width()).isEqualTo(1540);
        assertThat((t2 - t0) / 1e6).as("ms for both").isLessThan(2000);
    }
}
