package io.sirocco.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * A decoded {@link BufferedImage} to the RGB bytes PIL would produce with mistral-common's {@code _convert_to_rgb}:
 * an RGB image is kept as is (even if its PNG has a tRNS colour key: PIL keeps mode "RGB"); anything else goes to
 * RGBA and is composited onto white with PIL's {@code paste(mask=alpha)} rounding, then the alpha is dropped.
 *
 * <p>Raw raster samples are used, never {@code getRGB} (which would colour-manage gray and ICC images; PIL does not).
 * 16-bit PNGs follow PIL's modes: gray is mode "I", whose RGB conversion clamps the 16-bit value to 0..255; colour and
 * gray+alpha keep the high byte.
 */
final class PilRgb {

    /** How PIL sees the source beyond what the raster says (from the PNG header when there is one). */
    record Source(boolean rgbIgnoringAlpha, boolean wideGrayClamps) {
        static final Source DEFAULT = new Source(false, false);
    }

    private PilRgb() {}

    static RgbImage convert(BufferedImage image, Source source) {
        int w = image.getWidth(), h = image.getHeight();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel icm) palette(raster, icm, out);
        else if (cm instanceof DirectColorModel dcm) packed(raster, dcm, out);
        else components(raster, cm, source, out);
        return new RgbImage(w, h, out);
    }

    /** PIL's BLEND(alpha, white, c): integer blend with DIV255 rounding ({@code (t + (t >> 8)) >> 8}, t = x + 128). */
    static int onWhite(int c, int alpha) {
        int t = 255 * (255 - alpha) + c * alpha + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static void palette(Raster raster, IndexColorModel icm, byte[] out) {
        int n = icm.getMapSize();
        byte[] r = new byte[n], g = new byte[n], b = new byte[n];
        for (int i = 0; i < n; i++) {
            int a = icm.getAlpha(i);
            r[i] = (byte) onWhite(icm.getRed(i), a);
            g[i] = (byte) onWhite(icm.getGreen(i), a);
            b[i] = (byte) onWhite(icm.getBlue(i), a);
        }
        int w = raster.getWidth();
        int[] row = new int[w];
        for (int y = 0, o = 0; y < raster.getHeight(); y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++, o += 3) {
                int i = row[x];
                if (i >= n) throw new ImageInputException("palette index " + i + " outside a palette of " + n + " colours");
                out[o] = r[i];
                out[o + 1] = g[i];
                out[o + 2] = b[i];
            }
        }
    }

    /**
     * Packed pixels (BMP, WebP): raw bit fields, widened to 8 bits as PIL's unpackers do ({@code v * 255 / max},
     * truncating: BGR;15 and BGR;16 in 16-bit BMPs), not with ColorModel's rounding.
     */
    private static void packed(Raster raster, DirectColorModel dcm, byte[] out) {
        int w = raster.getWidth(), bands = raster.getNumBands();
        boolean alpha = dcm.hasAlpha();
        int[] max = new int[bands];
        for (int b = 0; b < bands; b++) max[b] = (1 << raster.getSampleModel().getSampleSize(b)) - 1;
        int[] row = new int[w * bands];
        for (int y = 0, o = 0; y < raster.getHeight(); y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0, p = 0; x < w; x++, p += bands, o += 3) {
                int a = alpha ? widen(row[p + 3], max[3]) : 255;
                out[o] = (byte) onWhite(widen(row[p], max[0]), a);
                out[o + 1] = (byte) onWhite(widen(row[p + 1], max[1]), a);
                out[o + 2] = (byte) onWhite(widen(row[p + 2], max[2]), a);
            }
        }
    }

    private static int widen(int v, int max) {
        return max == 255 ? v : v * 255 / max;
    }

    private static void components(Raster raster, ColorModel cm, Source source, byte[] out) {
        int colors = cm.getNumColorComponents();
        int bands = raster.getNumBands();
        if ((colors != 1 && colors != 3) || bands < colors)
            throw new ImageInputException("unsupported colour layout: " + colors + " colour components in " + bands + " bands"
                    + (colors == 4 ? " (CMYK images are not supported)" : ""));
        boolean alpha = cm.hasAlpha() && !source.rgbIgnoringAlpha();
        if (cm.isAlphaPremultiplied()) throw new ImageInputException("premultiplied alpha is not supported");
        int type = raster.getTransferType();
        if (type != DataBuffer.TYPE_BYTE && type != DataBuffer.TYPE_USHORT)
            throw new ImageInputException("unsupported sample type " + type + " (only 8- and 16-bit samples)");
        boolean wide = type == DataBuffer.TYPE_USHORT;
        boolean clampGray = wide && colors == 1 && source.wideGrayClamps();
        int w = raster.getWidth();
        int[] row = new int[w * bands];
        for (int y = 0, o = 0; y < raster.getHeight(); y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0, p = 0; x < w; x++, p += bands, o += 3) {
                int a = alpha ? eightBit(row[p + colors], wide) : 255;
                if (colors == 1) {
                    int v = clampGray ? Math.min(row[p], 255) : eightBit(row[p], wide);
                    byte c = (byte) onWhite(v, a);
                    out[o] = c;
                    out[o + 1] = c;
                    out[o + 2] = c;
                } else {
                    out[o] = (byte) onWhite(eightBit(row[p], wide), a);
                    out[o + 1] = (byte) onWhite(eightBit(row[p + 1], wide), a);
                    out[o + 2] = (byte) onWhite(eightBit(row[p + 2], wide), a);
                }
            }
        }
    }

    private static int eightBit(int sample, boolean wide) {
        return wide ? sample >>> 8 : sample;
    }
}
