package io.sirocco.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

/** Formats and PIL's mode conversions (mistral-common _convert_to_rgb), on images built in the test. */
class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder();
    private final Random random = new Random(7);

    @Test
    void pilBlendOnWhiteIsRoundedDivisionBy255() {
        for (int a = 0; a <= 255; a++)
            for (int c = 0; c <= 255; c++) {
                int exact = (int) Math.round((255.0 * (255 - a) + c * a) / 255.0);
                assertThat(PilRgb.onWhite(c, a)).isEqualTo(exact);
            }
        assertThat(PilRgb.onWhite(10, 255)).isEqualTo(10);
        assertThat(PilRgb.onWhite(10, 0)).isEqualTo(255);
    }

    @Test
    void rgbPngIsKept() throws IOException {
        BufferedImage img = randomImage(37, 11, BufferedImage.TYPE_3BYTE_BGR);
        RgbImage rgb = decoder.decode(encode(img, "png"));
        assertSameRgb(rgb, img);
    }

    @Test
    void bmpIsKept() throws IOException {
        BufferedImage img = randomImage(13, 9, BufferedImage.TYPE_3BYTE_BGR);
        assertSameRgb(decoder.decode(encode(img, "bmp")), img);
    }

    @Test
    void sixteenBitBmpWidensLikePil() throws IOException {
        // PIL's BGR;16 unpacker: v * 255 / 31 (or / 63), truncated. 5-bit 20 -> 164 (ColorModel would round to 165).
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_565_RGB);
        img.getRaster().setPixel(0, 0, new int[] {20, 40, 3});
        img.getRaster().setPixel(1, 0, new int[] {31, 63, 0});
        RgbImage rgb = decoder.decode(encode(img, "bmp"));
        assertThat(rgb.rgb()).containsExactly((byte) 164, (byte) 161, 24, (byte) 255, (byte) 255, 0);
    }

    @Test
    void grayPngIsReplicatedWithoutColourManagement() {
        // getRGB would gamma-convert linear gray; PIL's L -> RGB copies the value.
        RgbImage rgb = decoder.decode(new TinyPng(3, 1, 8, 0).rows(new byte[][] {{0, 100, (byte) 200}}).end());
        assertThat(rgb.rgb()).containsExactly(0, 0, 0, 100, 100, 100, (byte) 200, (byte) 200, (byte) 200);
    }

    @Test
    void rgbaPngIsCompositedOnWhite() {
        byte[] row = {10, 20, 30, 0, 10, 20, 30, (byte) 128, 10, 20, 30, 64, 10, 20, 30, (byte) 255};
        RgbImage rgb = decoder.decode(new TinyPng(4, 1, 8, 6).rows(new byte[][] {row}).end());
        for (int x = 0; x < 4; x++)
            for (int c = 0; c < 3; c++)
                assertThat(rgb.sample(x, 0, c)).isEqualTo(PilRgb.onWhite(row[4 * x + c], row[4 * x + 3] & 0xFF));
        assertThat(rgb.sample(0, 0, 0)).isEqualTo(255);
        assertThat(rgb.sample(1, 0, 0)).isEqualTo(132); // (255*127 + 10*128) / 255 = 132.02
        assertThat(rgb.sample(3, 0, 2)).isEqualTo(30);
    }

    @Test
    void grayAlphaPngIsCompositedOnWhite() {
        RgbImage rgb = decoder.decode(new TinyPng(2, 1, 8, 4).rows(new byte[][] {{50, (byte) 128, 50, (byte) 255}}).end());
        assertThat(rgb.sample(0, 0, 1)).isEqualTo(PilRgb.onWhite(50, 128));
        assertThat(rgb.sample(1, 0, 2)).isEqualTo(50);
    }

    @Test
    void paletteWithTransparencyIsCompositedOnWhite() {
        byte[] plte = {(byte) 255, 0, 0, 0, 0, (byte) 255, 0, 100, 0};
        byte[] trns = {0, (byte) 128};
        RgbImage rgb = decoder.decode(new TinyPng(3, 1, 8, 3).chunk("PLTE", plte).chunk("tRNS", trns)
                .rows(new byte[][] {{0, 1, 2}}).end());
        assertThat(rgb.rgb()).containsExactly((byte) 255, (byte) 255, (byte) 255,   // alpha 0 -> white
                (byte) 127, (byte) 127, (byte) 255,                                      // blue at alpha 128
                0, 100, 0);                                                               // no tRNS entry: opaque
    }

    @Test
    void rgbPngWithColourKeyStaysRgbLikePil() {
        // PIL keeps mode "RGB" (transparency only in info), so mistral-common does not whiten the keyed colour.
        byte[] trns = {0, 10, 0, 20, 0, 30};
        RgbImage rgb = decoder.decode(new TinyPng(2, 1, 8, 2).chunk("tRNS", trns)
                .rows(new byte[][] {{10, 20, 30, 1, 2, 3}}).end());
        assertThat(rgb.rgb()).containsExactly(10, 20, 30, 1, 2, 3);
    }

    @Test
    void grayPngWithColourKeyBecomesWhiteLikePil() {
        RgbImage rgb = decoder.decode(new TinyPng(2, 1, 8, 0).chunk("tRNS", new byte[] {0, 7})
                .rows(new byte[][] {{7, 8}}).end());
        assertThat(rgb.rgb()).containsExactly((byte) 255, (byte) 255, (byte) 255, 8, 8, 8);
    }

    @Test
    void sixteenBitGrayClampsLikePilModeI() {
        // PIL opens 16-bit gray as mode "I"; I -> RGB clamps to 0..255 (it does not scale).
        RgbImage rgb = decoder.decode(new TinyPng(3, 1, 16, 0).rows(new byte[][] {{0, 5, 0, (byte) 200, 1, 0}}).end());
        assertThat(rgb.rgb()).containsExactly(5, 5, 5, (byte) 200, (byte) 200, (byte) 200, (byte) 255, (byte) 255, (byte) 255);
    }

    @Test
    void sixteenBitRgbKeepsHighByteLikePil() {
        RgbImage rgb = decoder.decode(new TinyPng(1, 1, 16, 2).rows(new byte[][] {{(byte) 0xAB, (byte) 0xFF, 0x12, 0x34, 0, 1}}).end());
        assertThat(rgb.rgb()).containsExactly((byte) 0xAB, 0x12, 0);
    }

    @Test
    void lowBitDepthGrayScalesLikePil() {
        // 2-bit gray: PIL's L;2 unpacker maps 0..3 to 0, 85, 170, 255. Row 0b00_01_10_11.
        RgbImage rgb = decoder.decode(new TinyPng(4, 1, 2, 0).rows(new byte[][] {{0b00_01_10_11}}).end());
        assertThat(rgb.rgb()).containsExactly(0, 0, 0, 85, 85, 85, (byte) 170, (byte) 170, (byte) 170, (byte) 255, (byte) 255, (byte) 255);
    }

    @Test
    void animatedGifGivesItsFirstFrame() throws IOException {
        byte[] gif = animatedGif();
        RgbImage rgb = decoder.decode(gif);
        assertThat(rgb.width()).isEqualTo(4);
        assertThat(rgb.sample(0, 0, 0)).isEqualTo(255);
        assertThat(rgb.sample(3, 3, 1)).isEqualTo(0);
    }

    @Test
    void gifTransparentIndexBecomesWhite() throws IOException {
        IndexColorModel cm = new IndexColorModel(1, 2, new byte[] {(byte) 255, 0}, new byte[] {0, 0}, new byte[] {0, (byte) 255}, 0);
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_BINARY, cm);
        img.getRaster().setSample(1, 0, 0, 1);
        assertThat(decoder.decode(encode(img, "gif")).rgb()).containsExactly((byte) 255, (byte) 255, (byte) 255, 0, 0, (byte) 255);
    }

    @Test
    void jpegDecodes() throws IOException {
        BufferedImage img = randomImage(16, 8, BufferedImage.TYPE_3BYTE_BGR);
        RgbImage rgb = decoder.decode(encode(img, "jpeg"));
        assertThat(rgb.width()).isEqualTo(16);
        assertThat(rgb.height()).isEqualTo(8);
        BufferedImage gray = randomImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        RgbImage g = decoder.decode(encode(gray, "jpeg"));
        assertThat(g.sample(3, 3, 0)).isEqualTo(g.sample(3, 3, 2));
    }

    @Test
    void webpLossyLosslessAndAlphaDecode() {
        // The 1x1 probe images browsers' feature detection uses (lossless, lossy, lossy + alpha).
        for (String b64 : new String[] {"UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==",
                "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA",
                "UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA=="}) {
            RgbImage rgb = decoder.decodeBase64("data:image/webp;base64," + b64);
            assertThat(rgb.width()).isEqualTo(1);
            assertThat(rgb.height()).isEqualTo(1);
        }
    }

    @Test
    void dataUrlAndBareBase64() throws IOException {
        BufferedImage img = randomImage(5, 4, BufferedImage.TYPE_3BYTE_BGR);
        String b64 = Base64.getEncoder().encodeToString(encode(img, "png"));
        assertSameRgb(decoder.decodeBase64("data:image/png;base64," + b64), img);
        assertSameRgb(decoder.decodeBase64(b64), img);
        assertSameRgb(decoder.decodeBase64(Base64.getMimeEncoder().encodeToString(encode(img, "png"))), img);
        // The declared media type does not have to match the bytes (PIL sniffs the content too).
        assertSameRgb(decoder.decodeBase64("data:image/jpeg;base64," + b64), img);
    }

    // ---- helpers

    private BufferedImage randomImage(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int b = 0; b < img.getRaster().getNumBands(); b++) img.getRaster().setSample(x, y, b, random.nextInt(256));
        return img;
    }

    private static void assertSameRgb(RgbImage rgb, BufferedImage img) {
        assertThat(rgb.width()).isEqualTo(img.getWidth());
        assertThat(rgb.height()).isEqualTo(img.getHeight());
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++)
                for (int c = 0; c < 3; c++)
                    assertThat(rgb.sample(x, y, c)).as("(%d,%d) c%d", x, y, c).isEqualTo(img.getRaster().getSample(x, y, c));
    }

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no writer for " + format);
        return out.toByteArray();
    }

    /** Two 4x4 frames: red, then green. */
    static byte[] animatedGif() throws IOException {
        IndexColorModel cm = new IndexColorModel(1, 2, new byte[] {(byte) 255, 0}, new byte[] {0, (byte) 255}, new byte[] {0, 0});
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.prepareWriteSequence(null);
            for (int frame = 0; frame < 2; frame++) {
                BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_BINARY, cm);
                for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) img.getRaster().setSample(x, y, 0, frame);
                writer.writeToSequence(new IIOImage(img, null, null), null);
            }
            writer.endWriteSequence();
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
