package io.sirocco.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.testing.TestData;
import java.io.IOException;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** chat/images.json: mistral-common 1.11.7 + OpenCV 4.6.0 preprocessing of 6 images, compared by sha256 of float32 bytes. */
class ChatImagesGoldenTest {

    private static final ImageDecoder DECODER = new ImageDecoder();
    private static final ImagePreprocessor PRE = new ImagePreprocessor(ImageConfig.MISTRAL_SMALL_3);

    static Stream<JsonNode> images() throws IOException {
        JsonNode root = new ObjectMapper().readTree(TestData.file("chat/images.json").toFile());
        return Stream.iterate(0, i -> i < root.get("images").size(), i -> i + 1).map(i -> root.get("images").get(i));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void matchesMistralCommonBitForBit(JsonNode img) {
        RgbImage rgb = DECODER.decode(Base64.getDecoder().decode(img.get("png_base64").asText()));
        ImageGrid grid = PRE.grid(rgb);
        assertThat(new int[] {grid.widthTokens(), grid.heightTokens()}).containsExactly(ints(img.get("token_grid_wh")));
        assertThat(new int[] {grid.pixelWidth(), grid.pixelHeight()}).containsExactly(ints(img.get("resized_wh")));
        assertThat(grid.promptTokens()).isEqualTo(img.get("num_image_tokens").asInt());

        float[] hwc = ImagePreprocessor.resize(rgb, grid);
        JsonNode resized = img.get("resized_hwc_float32");
        for (int i = 0; i < 16; i++)
            assertThat(hwc[i]).as("resized[%d]", i).isEqualTo((float) resized.get("first16").get(i).asDouble());
        assertThat(F32.sha256(hwc)).as("sha256 of resized HWC").isEqualTo(resized.get("sha256_float32").asText());

        PreprocessedImage out = PRE.preprocess(rgb);
        JsonNode norm = img.get("normalized_chw");
        for (int i = 0; i < 16; i++)
            assertThat(out.chw()[i]).as("normalized[%d]", i).isEqualTo((float) norm.get("first16_float32").get(i).asDouble());
        assertThat(F32.sha256(out.chw())).as("sha256 of normalized CHW").isEqualTo(norm.get("sha256_float32").asText());
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
