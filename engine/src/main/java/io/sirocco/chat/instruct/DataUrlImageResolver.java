package io.sirocco.chat.instruct;

import io.sirocco.chat.Chunk;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import javax.imageio.ImageIO;

/**
 * Decodes {@code data:image/...;base64,} URLs with {@link ImageIO} (PNG, JPEG, GIF, BMP, and WebP through the
 * TwelveMonkeys plugin). Remote URLs are refused: fetching is the server's decision, not the encoder's.
 */
public final class DataUrlImageResolver implements ImageResolver {

    /** A decoded image. */
    public record Decoded(BufferedImage image) implements ResolvedImage {
        @Override
        public int width() {
            return image.getWidth();
        }

        @Override
        public int height() {
            return image.getHeight();
        }
    }

    @Override
    public ResolvedImage resolve(Chunk.Image chunk) {
        String url = chunk.url();
        int comma = url.indexOf(',');
        if (!url.startsWith("data:") || comma < 0 || !url.substring(0, comma).endsWith(";base64"))
            throw new IllegalArgumentException("only base64 data: URLs are supported for images, got " + chunk);
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(url.substring(comma + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("image data URL is not valid base64: " + e.getMessage(), e);
        }
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
            if (img == null) throw new IllegalArgumentException("unsupported or corrupt image data (" + bytes.length + " bytes) in " + chunk);
            return new Decoded(img);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode image: " + e.getMessage(), e);
        }
    }
}
