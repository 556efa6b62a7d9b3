package io.sirocco.image;

/**
 * mistral-common's resize rule (spec §2.2): downscale so the longer side fits {@code maxImageSize} (Python round,
 * half to even), then ceil each side to whole merged tokens. The image is then stretched to exactly
 * {@link #pixelWidth()} × {@link #pixelHeight()}.
 *
 * @param widthTokens  merged tokens per row (w_tok)
 * @param heightTokens rows of merged tokens (h_tok)
 */
public record ImageGrid(int widthTokens, int heightTokens, int tokenPixels) {

    public static ImageGrid of(int width, int height, ImageConfig config) {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image has no pixels: " + width + "x" + height);
        double max = config.maxImageSize();
        double ratio = Math.max(height / max, width / max);
        long w = width, h = height;
        if (ratio > 1) {
            w = Math.round(Math.rint(width / ratio));
            h = Math.round(Math.rint(height / ratio));
        }
        // mistral-common refuses an image whose side scales down to 0 pixels (e.g. 20000×1); so do we, rather than
        // inventing a token row the reference never produces.
        if (w <= 0 || h <= 0)
            throw new IllegalArgumentException("image " + width + "x" + height + " is too thin: it scales to " + w + "x" + h
                    + " pixels within the " + config.maxImageSize() + " px limit");
        int block = config.tokenPixels();
        int wTok = (int) (Math.floorDiv(w - 1, block) + 1);
        int hTok = (int) (Math.floorDiv(h - 1, block) + 1);
        return new ImageGrid(wTok, hTok, block);
    }

    public int pixelWidth() {
        return widthTokens * tokenPixels;
    }

    public int pixelHeight() {
        return heightTokens * tokenPixels;
    }

    /** [IMG] tokens (one per merged token). */
    public int imageTokens() {
        return widthTokens * heightTokens;
    }

    /** Prompt positions: each row of [IMG] ends in [IMG_BREAK], the last in [IMG_END]. */
    public int promptTokens() {
        return heightTokens * (widthTokens + 1);
    }
}
