package io.sirocco.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.engine.PromptEmbeddings;
import io.sirocco.format.ModelFormatException;
import io.sirocco.image.PreprocessedImage;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The encoder's cache, batching, limits and errors, on the synthetic vision model (README §7). */
class PixtralEncoderTest {
    private static Model model;
    private static final WorkerPool POOL = new WorkerPool(2);
    private static JsonNode p12;
    private static List<PreprocessedImage> twoImages;

    @BeforeAll
    static void load() {
        model = VisionGoldens.nativeModel();
        p12 = VisionGoldens.json("p12_two_images");
        twoImages = VisionGoldens.images(p12);
    }

    @AfterAll
    static void close() {
        model.close();
        POOL.close();
    }

    private static PixtralEncoder freshEncoder() {
        PixtralEncoder v = model.requireVision();
        return new PixtralEncoder(v.config(), v.weights());
    }

    @Test
    void secondEncodeOfTheSameImageDoesNoWork() {
        PixtralEncoder enc = freshEncoder();
        List<PreprocessedImage> one = List.of(twoImages.get(1));
        float[] first = enc.encode(one, POOL).getFirst();
        assertThat(enc.encodedImages()).isEqualTo(1);
        float[] again = enc.encode(one, POOL).getFirst();
        assertThat(enc.encodedImages()).as("cache hit: the tower did not run").isEqualTo(1);
        assertThat(again).isSameAs(first);
        assertThat(enc.cache().hits()).isEqualTo(1);
        // A new image alongside the cached one: only the new one is encoded.
        List<float[]> both = enc.encode(twoImages, POOL);
        assertThat(enc.encodedImages()).isEqualTo(2);
        assertThat(both.get(1)).isSameAs(first);
    }

    @Test
    void sameImageTwiceInOneCallIsEncodedOnce() {
        PixtralEncoder enc = freshEncoder();
        PreprocessedImage img = twoImages.getFirst();
        List<float[]> out = enc.encode(List.of(img, img), POOL);
        assertThat(enc.encodedImages()).isEqualTo(1);
        assertThat(out.get(1)).isSameAs(out.get(0));
    }

    @Test
    void cacheEvictsLeastRecentlyUsedWithinItsBudget() {
        EmbeddingCache cache = new EmbeddingCache(40);
        cache.put("a", new float[4]);
        cache.put("b", new float[4]);
        cache.get("a");
        cache.put("c", new float[4]);  // 48 bytes > 40: b (least recently used) goes
        assertThat(cache.get("b")).isNull();
        assertThat(cache.get("a")).isNotNull();
        assertThat(cache.get("c")).isNotNull();
        assertThat(cache.bytes()).isEqualTo(32);
    }

    @Test
    void imagesEncodedTogetherEqualImagesEncodedAlone() {
        // Block-diagonal attention: packing two images in one pass changes nothing for either.
        PixtralEncoder enc = freshEncoder();
        List<float[]> together = enc.forward(twoImages, POOL, PixtralEncoder.Stages.NONE);
        for (int k = 0; k < 2; k++) {
            float[] alone = enc.forward(List.of(twoImages.get(k)), POOL, PixtralEncoder.Stages.NONE).getFirst();
            assertThat(VisionGoldens.maxAbsDiff(together.get(k), alone)).as("image %d", k).isLessThanOrEqualTo(1e-6);
        }
    }

    @Test
    void promptEmbeddingsGoToTheImgPositionsOfEachBlock() {
        int[] prompt = VisionGoldens.ints(p12.get("prompt_tokens_mistral_common"));
        List<PromptEmbeddings> emb = ImagePrompts.embeddings(model, prompt, twoImages, VisionLimits.DEFAULT, POOL);
        int[] imgPositions = java.util.stream.IntStream.range(0, prompt.length).filter(i -> prompt[i] == 10).toArray();
        int n0 = twoImages.get(0).grid().imageTokens();
        assertThat(emb.get(0).positions()).containsExactly(Arrays.copyOfRange(imgPositions, 0, n0));
        assertThat(emb.get(1).positions()).containsExactly(Arrays.copyOfRange(imgPositions, n0, imgPositions.length));
        assertThat(emb.get(0).data()).hasSize(n0 * 96);
        assertThat(emb.get(0).contentHash()).startsWith("sha256:").isNotEqualTo(emb.get(1).contentHash());
    }

    @Test
    void promptAndImagesMustAgree() {
        int[] prompt = VisionGoldens.ints(p12.get("prompt_tokens_mistral_common"));
        // Images in the wrong order: the first block is 2×3, the second image is 4×2.
        assertThatThrownBy(() -> ImagePrompts.embeddings(model, prompt, List.of(twoImages.get(1), twoImages.get(0)), VisionLimits.DEFAULT, POOL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image 0").hasMessageContaining("does not match");
        assertThatThrownBy(() -> ImagePrompts.embeddings(model, prompt, twoImages.subList(0, 1), VisionLimits.DEFAULT, POOL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more image blocks");
        assertThatThrownBy(() -> ImagePrompts.embeddings(model, prompt, List.of(), VisionLimits.DEFAULT, POOL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more image blocks");
        int[] textOnly = {1, 3, 1500, 4};
        assertThatThrownBy(() -> ImagePrompts.embeddings(model, textOnly, twoImages.subList(0, 1), VisionLimits.DEFAULT, POOL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 image blocks");
    }

    @Test
    void limitsAreCheckedBeforeEncoding() {
        int[] prompt = VisionGoldens.ints(p12.get("prompt_tokens_mistral_common"));
        PixtralEncoder enc = freshEncoder();
        assertThatThrownBy(() -> ImagePrompts.embeddings(enc, prompt, twoImages, new VisionLimits(1, 10_000), POOL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 images in one prompt; the limit is 1");
        assertThatThrownBy(() -> ImagePrompts.embeddings(enc, prompt, twoImages, new VisionLimits(10, 13), POOL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("14 image tokens; the limit per request is 13");
        assertThat(enc.encodedImages()).isZero();
        assertThat(ImagePrompts.embeddings(enc, prompt, twoImages, new VisionLimits(2, 14), POOL)).hasSize(2);
    }

    @Test
    void imagesForATextOnlyModelAreRefused() {
        int[] prompt = VisionGoldens.ints(p12.get("prompt_tokens_mistral_common"));
        try (Model text = Model.load(TestData.file("vision/model/text-bf16.gguf"))) {
            assertThat(text.vision()).isEmpty();
            assertThatThrownBy(() -> ImagePrompts.embeddings(text, prompt, twoImages, VisionLimits.DEFAULT, POOL))
                    .isInstanceOf(NoVisionEncoderException.class).hasMessageContaining("has no vision encoder").hasMessageContaining("--mmproj");
            assertThat(ImagePrompts.embeddings(text, new int[] {1, 3, 1500, 4}, List.of(), VisionLimits.DEFAULT, POOL)).isEmpty();
        }
        try (Model tiny = Model.load(TestData.file("mistral-tiny/native"))) {
            assertThat(tiny.vision()).isEmpty();
            assertThatThrownBy(tiny::requireVision).isInstanceOf(NoVisionEncoderException.class);
        }
    }

    @Test
    void mmprojOfAnotherModelIsRefused() {
        // mistral-tiny's text width is 64; the mmproj projects to 96.
        assertThatThrownBy(() -> Model.load(TestData.file("mistral-tiny/gguf/synth-mistral-small-3.2-tiny-llama-BF16.gguf"), null,
                TestData.file("vision/model/mmproj-f32.gguf")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("projects to 96 dimensions but the text model's width is 64");
        assertThatThrownBy(() -> Model.load(TestData.file("vision/model/text-bf16.gguf"), null, TestData.file("vision/model/text-bf16.gguf")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("not an mmproj file");
    }

    @Test
    void imageOfTheWrongSizeIsRefused() {
        PreprocessedImage img = twoImages.getFirst();
        PreprocessedImage cropped = new PreprocessedImage(Arrays.copyOf(img.chw(), 3 * 14 * 28), 28, 14, img.grid());
        assertThatThrownBy(() -> freshEncoder().encode(List.of(cropped), POOL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a multiple of 28");
    }
}
