package io.sirocco.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** vision/goldens/public: grid and preprocessed_stats of every image of every case (mistral-common reference). */
class VisionGoldensPreprocessTest {

    private static final ImageDecoder DECODER = new ImageDecoder();
    private static final ImagePreprocessor PRE = new ImagePreprocessor(ImageConfig.MISTRAL_SMALL_3);
    private static final String GOLDENS = "vision/goldens/public/";

    static Stream<Arguments> images() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(TestData.file(GOLDENS))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode info = new ObjectMapper().readTree(f.toFile()).get("image_info");
                for (int k = 0; k < info.size(); k++)
                    out.add(Arguments.of(f.getFileName().toString().replace(".json", "") + ".img" + k, info.get(k)));
            }
        }
        assertThat(out).hasSize(14); // 13 cases with images, p12 has two
        return out.stream();
    }

    /** The JPEG case is tested on the pixels PIL decoded (our JPEG decoder is measured separately). */
    static RgbImage pixels(JsonNode info) throws IOException {
        String file = info.get("pil_decoded_png").isNull() ? "vision/" + info.get("file").asText()
                : GOLDENS + info.get("pil_decoded_png").asText();
        return DECODER.decode(Files.readAllBytes(TestData.file(file)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void gridAndPreprocessedStats(String name, JsonNode info) throws IOException {
        JsonNode mc = info.get("mistral_common");
        RgbImage rgb = pixels(info);
        assertThat(new int[] {rgb.width(), rgb.height()}).containsExactly(ints(info.get("original_wh")));
        PreprocessedImage out = PRE.preprocess(rgb);
        ImageGrid g = out.grid();
        assertThat(g.widthTokens()).isEqualTo(mc.get("tokens_w").asInt());
        assertThat(g.heightTokens()).isEqualTo(mc.get("tokens_h").asInt());
        assertThat(g.promptTokens()).isEqualTo(mc.get("n_image_tokens").asInt());
        assertThat(new int[] {out.width(), out.height()}).containsExactly(ints(mc.get("resized_wh")));
        assertThat(new int[] {out.height() / 14, out.width() / 14}).containsExactly(ints(mc.get("patch_grid_hw")));

        JsonNode stats = mc.get("preprocessed_stats");
        assertThat(new int[] {3, out.height(), out.width()}).containsExactly(ints(stats.get("shape")));
        int plane = out.width() * out.height();
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < plane; p++) {
                float v = out.chw()[c * plane + p];
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            // min/max are single float64 values: ours must be exactly their float32 cast; the mean is over float32 values.
            assertThat(min).as("min c%d", c).isEqualTo((float) stats.get("min").get(c).asDouble());
            assertThat(max).as("max c%d", c).isEqualTo((float) stats.get("max").get(c).asDouble());
            assertThat(sum / plane).as("mean c%d", c).isCloseTo(stats.get("mean").get(c).asDouble(), within(1e-6));
        }
        JsonNode samples = stats.get("samples");
        assertThat(samples.size()).isEqualTo(16);
        for (JsonNode s : samples) {
            int y = s.get(0).asInt(), x = s.get(1).asInt();
            for (int c = 0; c < 3; c++)
                assertThat(out.at(c, y, x)).as("(%d,%d) c%d", y, x, c).isEqualTo((float) s.get(2).get(c).asDouble());
        }
    }

    @Test
    void p03FullPreprocessedTensor() throws IOException {
        JsonNode info = new ObjectMapper().readTree(TestData.file(GOLDENS + "p03_strokes_112x56.json").toFile())
                .get("image_info").get(0);
        JsonNode ref = info.get("reference_intermediates").get("preprocessed_chw");
        float[] expected = F32.read(TestData.file(GOLDENS + ref.get("file").asText()));
        PreprocessedImage out = PRE.preprocess(pixels(info));
        assertThat(new int[] {3, out.height(), out.width()}).containsExactly(ints(ref.get("shape")));
        assertThat(F32.maxAbsDiff(out.chw(), expected)).isLessThanOrEqualTo(1e-5);
        assertThat(out.chw()).as("bit-exact").containsExactly(expected);
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }
}
