package io.sirocco.chat.instruct;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.chat.ChatException;
import io.sirocco.chat.ChatException.Kind;
import io.sirocco.chat.ChatException.Stage;
import io.sirocco.chat.ChatRequest;
import io.sirocco.chat.ReasoningEffort;
import java.util.ArrayList;
import java.util.List;

/**
 * tekken.json's {@code model_settings_builder} (v15): for each setting the allowed values and the default used when
 * the request leaves it out. With {@link #SMALL_4} an omitted {@code reasoning_effort} is encoded as {@code "none"}.
 *
 * @param reasoningEffort null when the model has no such setting
 */
public record ModelSettingsBuilder(EnumField reasoningEffort) {

    /** One enum-valued setting. {@code defaultValue} may only be set when {@code acceptsNone}. */
    public record EnumField(List<String> values, boolean acceptsNone, String defaultValue) {
        public EnumField {
            values = List.copyOf(values);
            if (!acceptsNone && defaultValue != null) throw new IllegalArgumentException("a default needs accepts_none");
            if (defaultValue != null && !values.contains(defaultValue))
                throw new IllegalArgumentException("default " + defaultValue + " is not in " + values);
        }
    }

    /** The builder of the v15 test tokenizer and (per vLLM's embedded template) of Mistral Small 4. */
    public static final ModelSettingsBuilder SMALL_4 =
            new ModelSettingsBuilder(new EnumField(List.of("none", "high"), true, "none"));

    /** Reads the {@code model_settings_builder} object of a tekken.json (null or missing → null). */
    public static ModelSettingsBuilder fromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        JsonNode re = n.get("reasoning_effort");
        if (re == null || re.isNull()) return new ModelSettingsBuilder(null);
        if (!"enum".equals(re.path("type").asText("enum")))
            throw new IllegalArgumentException("model_settings_builder.reasoning_effort: unsupported type " + re.get("type"));
        List<String> values = new ArrayList<>();
        re.path("values").forEach(v -> values.add(v.asText()));
        JsonNode d = re.get("default");
        return new ModelSettingsBuilder(new EnumField(values, re.path("accepts_none").asBoolean(false),
                d == null || d.isNull() ? null : d.asText()));
    }

    /** The settings of a request: its values, or the defaults; rejects values the model does not take. */
    public ModelSettings build(ChatRequest request) {
        ReasoningEffort given = request.reasoningEffort();
        if (reasoningEffort == null) {
            if (given != null) throw fail("reasoning_effort not supported for this model");
            return ModelSettings.NONE;
        }
        String value = given != null ? given.wire() : null;
        if (value == null) {
            if (!reasoningEffort.acceptsNone()) throw fail("reasoning_effort should be set for this model.");
            value = reasoningEffort.defaultValue();
        }
        if (value == null) return ModelSettings.NONE;
        if (reasoningEffort.values().isEmpty()) throw fail("reasoning_effort not supported for this model.");
        if (!reasoningEffort.values().contains(value))
            throw fail("reasoning_effort should be one of " + pyList(reasoningEffort.values()) + ", got " + value + ".");
        return new ModelSettings(ReasoningEffort.fromWire(value));
    }

    private static String pyList(List<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (String v : values) sb.append(sb.length() > 1 ? ", " : "").append('\'').append(v).append('\'');
        return sb.append(']').toString();
    }

    private static ChatException fail(String reason) {
        return new ChatException(Stage.NORMALIZE, Kind.INVALID_REQUEST, reason);
    }
}
