package io.sirocco.image;

/**
 * The vision encoder's input for one image: normalized pixels, CHW float32 (channel planes R, G, B, each row-major).
 *
 * @param chw    {@code 3 * height * width} values
 * @param width  pixels per row, {@code grid.pixelWidth()}
 * @param height rows, {@code grid.pixelHeight()}
 * @param grid   the token grid the image was resized for
 */
public record PreprocessedImage(float[] chw, int width, int height, ImageGrid grid) {

    public PreprocessedImage {
        if (chw.length != 3L * width * height)
            throw new IllegalArgumentException("CHW array has " + chw.length + " values, expected 3x" + height + "x" + width);
    }

    /** Channel c of pixel (x, y). */
    public float at(int c, int y, int x) {
        return chw[(c * height + y) * width + x];
    }
}
