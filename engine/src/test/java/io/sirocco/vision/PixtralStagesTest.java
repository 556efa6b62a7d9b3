package io.sirocco.vision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.image.PreprocessedImage;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** p03: every intermediate tensor of the tower and projector against the float64 reference (README §7.4), τ 1e-4. */
class PixtralStagesTest {
    private static final List<String> STAGES = List.of("patch_conv", "ln_pre", "vision_layer0_out", "vision_layer1_out",
            "pre_mm_projector_norm", "patch_merger_input", "patch_merger_out", "adapter_w_in_out");
    private static Model nativeModel, ggufModel;
    private static final WorkerPool POOL = new WorkerPool(2);

    @BeforeAll
    static void load() {
        nativeModel = VisionGoldens.nativeModel();
        ggufModel = VisionGoldens.ggufModel();
    }

    @AfterAll
    static void close() {
        nativeModel.close();
        ggufModel.close();
        POOL.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"native", "gguf"})
    void p03EveryStage(String format) {
        Model model = format.equals("native") ? nativeModel : ggufModel;
        JsonNode c = VisionGoldens.json("p03_strokes_112x56");
        JsonNode info = c.get("image_info").get(0);
        List<PreprocessedImage> images = VisionGoldens.images(c);
        Map<String, float[]> seen = new HashMap<>();
        List<float[]> out = model.requireVision().forward(images, POOL, (name, values) -> seen.put(name, values.clone()));
        for (String stage : STAGES) {
            JsonNode ref = info.get("reference_intermediates").get(stage);
            float[] expected = VisionGoldens.f32(ref.get("file").asText());
            assertThat(seen).as("stage %s reported", stage).containsKey(stage);
            assertThat(VisionGoldens.maxAbsDiff(seen.get(stage), expected)).as("%s %s", format, stage).isLessThanOrEqualTo(1e-4);
        }
        float[] emb = VisionGoldens.f32(info.get("reference_image_embeddings").get("file").asText());
        assertThat(VisionGoldens.maxAbsDiff(out.getFirst(), emb)).as("%s embeddings", format).isLessThanOrEqualTo(1e-4);
    }
}
