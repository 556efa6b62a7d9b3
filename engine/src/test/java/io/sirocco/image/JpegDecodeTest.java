package io.sirocco.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Java's JPEG decoder (IJG libjpeg 6b inside the JDK) against the pixels PIL (libjpeg-turbo) decoded from the same
 * file (vision p08). Both use the ISLOW IDCT, the same YCbCr tables and h2v2 fancy upsampling: identical on this
 * 4:2:0 baseline file. (libjpeg-turbo also has fancy h1v2 upsampling, which 6b lacks: 4:4:0 files may differ.)
 */
class JpegDecodeTest {

    @Test
    void javaJpegDecodeAgainstPil() throws IOException {
        ImageDecoder decoder = new ImageDecoder();
        RgbImage java = decoder.decode(Files.readAllBytes(TestData.file("vision/images/public/a11_photo_168x112.jpg")));
        RgbImage pil = decoder.decode(Files.readAllBytes(
                TestData.file("vision/goldens/public/p08_jpeg_168x112.img0.pil_decoded.png")));
        assertThat(java.width()).isEqualTo(168);
        assertThat(java.height()).isEqualTo(112);
        int maxDiff = 0, differing = 0;
        for (int i = 0; i < java.rgb().length; i++) {
            int d = Math.abs((java.rgb()[i] & 0xFF) - (pil.rgb()[i] & 0xFF));
            maxDiff = Math.max(maxDiff, d);
            if (d != 0) differing++;
        }
        System.out.printf("JPEG: Java vs PIL max |diff| %d, %d of %d values differ%n", maxDiff, differing, java.rgb().length);
        assertThat(java.rgb()).as("Java's decode equals PIL's").isEqualTo(pil.rgb());
    }
}
