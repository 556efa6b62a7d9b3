package io.sirocco.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.chat.instruct.InstructEncoder;
import io.sirocco.chat.instruct.ModelSettingsBuilder;
import io.sirocco.chat.instruct.ValidationMode;
import io.sirocco.image.ImageConfig;
import io.sirocco.testing.TestData;
import io.sirocco.tokenizer.TekkenTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The per-version tokenizer files of the chat goldens (testdata README §8, chat/tokenizers.json): tekken/tekken.json
 * with {@code config.version} replaced, the image block of that version, v3 without a special-token list, v15 with
 * [MODEL_SETTINGS] specials and a model_settings_builder. Built once per JVM into temp files.
 */
final class ChatTokenizers {
    private ChatTokenizers() {}

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<TokenizerVersion, TekkenTokenizer> CACHE = new EnumMap<>(TokenizerVersion.class);
    private static JsonNode summary;

    static synchronized JsonNode summary() {
        if (summary == null) summary = read(TestData.file("chat/tokenizers.json"));
        return summary;
    }

    static synchronized TekkenTokenizer get(TokenizerVersion v) {
        return CACHE.computeIfAbsent(v, ChatTokenizers::build);
    }

    static ImageConfig imageConfig(TokenizerVersion v) {
        JsonNode img = summary().get(v.toString()).get("image");
        return new ImageConfig(img.get("image_patch_size").asInt(), img.get("max_image_size").asInt(), img.get("spatial_merge_size").asInt());
    }

    static InstructEncoder encoder(TokenizerVersion v, ValidationMode mode) {
        TekkenTokenizer tok = get(v);
        return InstructEncoder.builder(tok).mode(mode).imageConfig(imageConfig(v))
                .modelSettings(ModelSettingsBuilder.fromJson(summary().get(v.toString()).get("model_settings_builder")))
                .build();
    }

    private static TekkenTokenizer build(TokenizerVersion v) {
        try {
            ObjectNode root = (ObjectNode) read(TestData.file("tekken/tekken.json"));
            JsonNode s = summary().get(v.toString());
            ((ObjectNode) root.get("config")).put("version", s.get("config_version").asText());
            root.set("image", s.get("image"));
            if (v == TokenizerVersion.V3) root.remove("special_tokens");
            ArrayNode specials = (ArrayNode) root.get("special_tokens");
            for (Iterator<Map.Entry<String, JsonNode>> it = s.get("special_overrides").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                ((ObjectNode) specials.get(Integer.parseInt(e.getKey()))).put("token_str", e.getValue().asText());
            }
            JsonNode msb = s.get("model_settings_builder");
            if (msb != null && !msb.isNull()) root.set("model_settings_builder", msb);
            Path tmp = Files.createTempFile("tekken-" + v, ".json");
            tmp.toFile().deleteOnExit();
            JSON.writeValue(tmp.toFile(), root);
            return TekkenTokenizer.load(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
