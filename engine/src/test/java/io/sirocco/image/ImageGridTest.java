package io.sirocco.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.testing.TestData;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageGridTest {

    private static final ImageConfig SMALL3 = ImageConfig.MISTRAL_SMALL_3;

    /** Expected values from mistral-common's formula evaluated in Python (round = half to even). */
    @ParameterizedTest(name = "{0}x{1} -> {2}x{3} tokens")
    @CsvSource({
        "1, 1, 1, 1",
        "100, 37, 4, 2",
        "2000, 1000, 55, 28",   // 1540x770
        "1540, 1540, 55, 55",
        "1541, 1541, 55, 55",
        "4000, 300, 55, 5",     // 1540x116 (115.5 rounds to even 116)
        "3080, 1121, 55, 20",   // 1540x560 (560.5 rounds to even 560)
        "20000, 10, 55, 1",     // 1540x1
        "1, 1541, 1, 55",
        "1542, 771, 55, 28",    // 1540x770 (770.0)
        "10000, 9999, 55, 55",
    })
    void awkwardSizesFollowMistralCommon(int w, int h, int wTok, int hTok) {
        ImageGrid g = ImageGrid.of(w, h, SMALL3);
        assertThat(g.widthTokens()).isEqualTo(wTok);
        assertThat(g.heightTokens()).isEqualTo(hTok);
        assertThat(g.pixelWidth()).isEqualTo(28 * wTok);
        assertThat(g.pixelHeight()).isEqualTo(28 * hTok);
        assertThat(g.promptTokens()).isEqualTo(hTok * (wTok + 1));
    }

    @Test
    void sideRoundedToZeroIsRefusedLikeMistralCommon() {
        // mistral-common asserts here (h rounds to 0 pixels); the chat golden image_too_thin expects a rejection.
        assertThatThrownBy(() -> ImageGrid.of(20000, 1, SMALL3)).hasMessageContaining("too thin");
    }

    @Test
    void noPixelsIsRejected() {
        assertThatThrownBy(() -> ImageGrid.of(0, 10, SMALL3)).hasMessageContaining("no pixels");
    }

    @Test
    void matchesVisionResizeTable() throws IOException {
        JsonNode table = new ObjectMapper().readTree(TestData.file("vision/resize_table.json").toFile());
        assertThat(table.size()).isEqualTo(11);
        for (JsonNode row : table) {
            JsonNode mc = row.get("mistral_common");
            ImageGrid g = ImageGrid.of(row.get("original_wh").get(0).asInt(), row.get("original_wh").get(1).asInt(), SMALL3);
            assertThat(g.widthTokens()).as(row.get("image").asText()).isEqualTo(mc.get("grid_wh").get(0).asInt());
            assertThat(g.heightTokens()).as(row.get("image").asText()).isEqualTo(mc.get("grid_wh").get(1).asInt());
            assertThat(g.pixelWidth()).isEqualTo(mc.get("resized_wh").get(0).asInt());
            assertThat(g.pixelHeight()).isEqualTo(mc.get("resized_wh").get(1).asInt());
            assertThat(g.promptTokens()).isEqualTo(mc.get("n_positions").asInt());
        }
    }

    @Test
    void pixtral12bConfig() {
        // tokenizer v3 / Pixtral-12B style config: patch 16, max 1024, no merge.
        ImageGrid g = ImageGrid.of(2048, 100, new ImageConfig(16, 1024, 1));
        assertThat(g.widthTokens()).isEqualTo(64);
        assertThat(g.heightTokens()).isEqualTo(4); // 50 px -> ceil(50/16)
    }
}
