package io.sirocco.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every bad input gives an ImageInputException that names the problem. */
class BadImagesTest {

    private final ImageDecoder decoder = new ImageDecoder();

    private static byte[] photoLike(String format) throws IOException {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
        Random r = new Random(3);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, r.nextInt());
        return ImageDecoderTest.encode(img, format);
    }

    @Test
    void truncatedPng() throws IOException {
        byte[] png = photoLike("png");
        byte[] cut = Arrays.copyOf(png, png.length / 2);
        assertThatThrownBy(() -> decoder.decode(cut)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("PNG").hasMessageContaining("truncated");
    }

    @Test
    void truncatedJpeg() throws IOException {
        byte[] jpeg = photoLike("jpeg");
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2);
        assertThatThrownBy(() -> decoder.decode(cut)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("JPEG").hasMessageContaining("truncated");
    }

    @Test
    void corruptJpeg() throws IOException {
        byte[] jpeg = photoLike("jpeg");
        byte[] bad = jpeg.clone();
        Arrays.fill(bad, 4, bad.length, (byte) 0x5A); // SOI kept, every marker after it destroyed
        assertThatThrownBy(() -> decoder.decode(bad)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("JPEG").hasMessageMatching("(?s).*(corrupt|truncated).*");
    }

    @Test
    void invalidBase64() {
        assertThatThrownBy(() -> decoder.decodeBase64("data:image/png;base64,iVBORw0K!!!not*base64"))
                .isInstanceOf(ImageInputException.class).hasMessageContaining("invalid base64");
        assertThatThrownBy(() -> decoder.decodeBase64("data:image/png;base64,"))
                .isInstanceOf(ImageInputException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> decoder.decodeBase64("data:image/png,rawbytes"))
                .isInstanceOf(ImageInputException.class).hasMessageContaining("only base64");
        assertThatThrownBy(() -> decoder.decodeBase64("data:text/plain;base64,aGVsbG8="))
                .isInstanceOf(ImageInputException.class).hasMessageContaining("not an image");
    }

    @Test
    void decompressionBombHeaderIsRefusedBeforeDecoding() {
        byte[] bomb = new TinyPng(20000, 20000, 8, 2).rows(new byte[][] {new byte[3]}).end();
        assertThat(bomb.length).isLessThan(100);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> decoder.decode(bomb)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("too large").hasMessageContaining("20000x20000");
        assertThat((System.nanoTime() - t0) / 1e6).as("ms").isLessThan(500);
    }

    @Test
    void zeroWidth() {
        byte[] png = new TinyPng(0, 10, 8, 2).rows(new byte[][] {new byte[0]}).end();
        assertThatThrownBy(() -> decoder.decode(png)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("no pixels").hasMessageContaining("0x10");
    }

    @Test
    void textFileIsNotAnImage() {
        byte[] text = "Hello, this is a text file.\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> decoder.decode(text)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("not a supported image").hasMessageContaining("looks like text");
        String b64 = Base64.getEncoder().encodeToString(text);
        assertThatThrownBy(() -> decoder.decodeBase64(b64)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("not a supported image");
    }

    @Test
    void unsupportedAndEmpty() {
        assertThatThrownBy(() -> decoder.decode(new byte[] {'I', 'I', '*', 0, 8, 0, 0, 0})).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("TIFF");
        assertThatThrownBy(() -> decoder.decode(new byte[] {1, 2, 3, (byte) 0xF0})).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("unknown leading bytes 01 02 03 f0");
        assertThatThrownBy(() -> decoder.decode(new byte[0])).isInstanceOf(ImageInputException.class).hasMessageContaining("empty");
    }

    @Test
    void animatedGifIsAcceptedAsItsFirstFrame() throws IOException {
        // Like PIL (mistral-common converts the frame Image.open selects: the first), not an error.
        assertThat(decoder.decode(ImageDecoderTest.animatedGif()).width()).isEqualTo(4);
    }

    @Test
    void configurableLimits() throws IOException {
        byte[] png = photoLike("png");
        ImageDecoder small = new ImageDecoder(new ImageDecoder.Limits(100, 50_000_000));
        assertThatThrownBy(() -> small.decode(png)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("too large").hasMessageContaining("limit 100");
        String b64 = "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
        assertThatThrownBy(() -> small.decodeBase64(b64)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("too large");
        ImageDecoder fewPixels = new ImageDecoder(new ImageDecoder.Limits(1 << 20, 64 * 63));
        assertThatThrownBy(() -> fewPixels.decode(png)).isInstanceOf(ImageInputException.class)
                .hasMessageContaining("64x64 = 4096 pixels, limit 4032");
    }
}
