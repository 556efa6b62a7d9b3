package io.sirocco.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.format.ModelFormatException;
import io.sirocco.format.gguf.GgufFile;
import io.sirocco.image.ImageConfig;
import io.sirocco.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Older/newer tekken.json variants and malformed inputs: each must load correctly or fail naming the problem. */
class TokenizerErrorsTest {
    @TempDir
    Path dir;

    /** The 8192-id tekken.json, edited. */
    Path tekkenWith(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root = (ObjectNode) Goldens.tree("mistral-tiny/native/tekken.json");
        edit.accept(root);
        Path f = dir.resolve("tekken.json");
        Goldens.JSON.writeValue(f.toFile(), root);
        return f;
    }

    @Test
    void v3FileWithoutSpecialTokensUsesMistralCommonDefaults() throws IOException {
        Path f = tekkenWith(root -> {
            root.remove("special_tokens");
            ((ObjectNode) root.get("config")).put("version", "v3");
            root.set("image", Goldens.JSON.valueToTree(Map.of("image_patch_size", 16, "max_image_size", 1024, "spatial_merge_size", 1)));
        });
        TekkenTokenizer t = Tokenizers.fromTekkenJson(f);
        assertThat(t.version()).contains("v3");
        assertThat(t.specialId("[TOOL_CONTENT]")).hasValue(19);
        assertThat(t.specialId("<SPECIAL_20>")).hasValue(20);
        assertThat(t.specialId("<SPECIAL_32>")).hasValue(32);
        assertThat(t.specialId("[ARGS]")).isEmpty();
        assertThat(t.vocabSize()).isEqualTo(8192);
        assertThat(t.imageConfig()).contains(new ImageConfig(16, 1024, 1));
        Goldens.Line first = Goldens.jsonl("tokenizer/public-8k.jsonl").get(0);
        assertThat(t.encode(first.text())).containsExactly(first.ids());
    }

    @Test
    void v15ModelSettingsBuilderIsExposed() throws IOException {
        Path f = tekkenWith(root -> {
            ((ObjectNode) root.get("config")).put("version", "v15");
            ArrayNode specials = (ArrayNode) root.get("special_tokens");
            ((ObjectNode) specials.get(36)).put("token_str", "[MODEL_SETTINGS]");
            ((ObjectNode) specials.get(37)).put("token_str", "[/MODEL_SETTINGS]");
            ObjectNode effort = root.putObject("model_settings_builder").putObject("reasoning_effort");
            effort.put("type", "enum");
            effort.putArray("values").add("none").add("high");
            effort.put("default", "none");
        });
        TekkenTokenizer t = Tokenizers.fromTekkenJson(f);
        assertThat(t.version()).contains("v15");
        assertThat(t.specialId("[MODEL_SETTINGS]")).hasValue(36);
        JsonNode settings = t.modelSettingsBuilder().orElseThrow();
        assertThat(settings.at("/reasoning_effort/default").asText()).isEqualTo("none");
    }

    @Test
    void legacyMultimodalKeyIsTheImageSection() throws IOException {
        Path f = tekkenWith(root -> root.set("multimodal", root.remove("image")));
        assertThat(Tokenizers.fromTekkenJson(f).imageConfig()).contains(ImageConfig.MISTRAL_SMALL_3);
    }

    void assertRejected(Consumer<ObjectNode> edit, String... messageParts) throws IOException {
        Path f = tekkenWith(edit);
        assertThatThrownBy(() -> Tokenizers.fromTekkenJson(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContainingAll(messageParts);
    }

    @Test
    void malformedTekkenJson() throws IOException {
        assertRejected(r -> r.remove("config"), "config");
        assertRejected(r -> ((ObjectNode) r.get("config")).remove("pattern"), "pattern");
        assertRejected(r -> ((ObjectNode) r.get("config")).put("pattern", "[unclosed"), "pattern");
        assertRejected(r -> ((ObjectNode) r.get("config")).remove("default_vocab_size"), "default_vocab_size");
        assertRejected(r -> ((ObjectNode) r.get("config")).put("default_vocab_size", 9000), "vocab", "7192", "8000");
        assertRejected(r -> ((ArrayNode) r.get("vocab")).remove(5), "rank");
        assertRejected(r -> ((ObjectNode) r.get("vocab").get(7)).put("token_bytes", "!!!"), "base64");
        assertRejected(r -> ((ObjectNode) r.get("vocab").get(65)).put("token_bytes", "Qg=="), "rank 65");
        assertRejected(r -> ((ObjectNode) r.get("special_tokens").get(40)).put("token_str", "<s>"), "unique");
        assertRejected(r -> r.remove("special_tokens"), "special_tokens", "v11");
        assertRejected(r -> r.set("image", Goldens.JSON.valueToTree(Map.of("image_patch_size", 0, "max_image_size", 1, "spatial_merge_size", 1))), "image");
    }

    @Test
    void unreadableTekkenJson() throws IOException {
        Path f = dir.resolve("tekken.json");
        Files.writeString(f, "{\"config\": {");
        assertThatThrownBy(() -> Tokenizers.fromTekkenJson(f)).isInstanceOf(ModelFormatException.class).hasMessageContaining("JSON");
        assertThatThrownBy(() -> Tokenizers.fromTekkenJson(dir.resolve("missing.json"))).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("not found");
        assertThatThrownBy(() -> Tokenizers.forModelDirectory(dir.resolve("nowhere"))).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tekken.json");
    }

    static Map<String, Object> tinyGguf() {
        try (GgufFile f = GgufFile.open(TestData.file(GgufTokenizerTest.TINY))) {
            return new HashMap<>(f.metadata());
        }
    }

    @Test
    void ggufMissingOrBadKeys() {
        Map<String, Object> m = tinyGguf();
        m.remove("tokenizer.ggml.model");
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer.ggml.model");

        Map<String, Object> noTokens = tinyGguf();
        noTokens.remove("tokenizer.ggml.tokens");
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(noTokens)).hasMessageContaining("missing key tokenizer.ggml.tokens");

        Map<String, Object> noMerges = tinyGguf();
        noMerges.remove("tokenizer.ggml.merges");
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(noMerges)).hasMessageContaining("tokenizer.ggml.merges");

        Map<String, Object> badModel = tinyGguf();
        badModel.put("tokenizer.ggml.model", "bert");
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(badModel)).hasMessageContaining("'bert'");

        Map<String, Object> badPre = tinyGguf();
        badPre.put("tokenizer.ggml.pre", "qwen2");
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(badPre)).hasMessageContaining("tokenizer.ggml.pre").hasMessageContaining("qwen2");

        Map<String, Object> badTypes = tinyGguf();
        badTypes.put("tokenizer.ggml.token_type", List.of(1L, 2L));
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(badTypes)).hasMessageContaining("token_type").hasMessageContaining("8192");

        Map<String, Object> badBos = tinyGguf();
        badBos.put("tokenizer.ggml.bos_token_id", 99999L);
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(badBos)).hasMessageContaining("bos_token_id");

        Map<String, Object> wrongType = tinyGguf();
        wrongType.put("tokenizer.ggml.tokens", "not a list");
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(wrongType)).hasMessageContaining("tokenizer.ggml.tokens").hasMessageContaining("array");
    }

    @Test
    void ggufSentencePieceNeedsScores() {
        Map<String, Object> m;
        try (GgufFile f = GgufFile.open(TestData.file("models/stories260K.gguf"))) {
            m = new HashMap<>(f.metadata());
        }
        m.remove("tokenizer.ggml.scores");
        assertThatThrownBy(() -> Tokenizers.fromGgufMetadata(m)).hasMessageContaining("tokenizer.ggml.scores");
    }

    @Test
    void badIdsAreRejected() {
        Tokenizer t = Tokenizers.forModelDirectory(TestData.file("mistral-tiny/native"));
        assertThatThrownBy(() -> t.decode(new int[] {8192}, SpecialTokenPolicy.IGNORE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("8192");
        assertThatThrownBy(() -> t.streamingDecoder(SpecialTokenPolicy.KEEP).push(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
