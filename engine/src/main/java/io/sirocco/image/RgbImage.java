package io.sirocco.image;

/**
 * An 8-bit RGB image, row-major, 3 interleaved bytes per pixel (what PIL's mode "RGB" holds).
 *
 * @param rgb {@code width * height * 3} bytes, read unsigned
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image has no pixels: " + width + "x" + height);
        if (rgb.length != (long) width * height * 3)
            throw new IllegalArgumentException("RGB buffer has " + rgb.length + " bytes, expected " + width + "x" + height + "x3");
    }

    /** Channel c (0 = R) of pixel (x, y), 0..255. */
    public int sample(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    /** The pixels as a float32 HWC array, values 0..255 ({@code np.array(img, dtype=np.float32)}). */
    public float[] toFloatHwc() {
        float[] out = new float[rgb.length];
        for (int i = 0; i < rgb.length; i++) out[i] = rgb[i] & 0xFF;
        return out;
    }
}
