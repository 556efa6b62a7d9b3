package io.sirocco.sample.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * An independent, deliberately plain JSON-schema validator for the subset the grammar compiler supports; used only to
 * check what the grammar lets through. Returns null when valid, else a description of the first violation.
 */
final class MiniSchemaValidator {
    private final JsonNode root;

    MiniSchemaValidator(JsonNode root) {
        this.root = root;
    }

    String validate(JsonNode v) {
        return check(root, v, "$");
    }

    private String check(JsonNode s, JsonNode v, String at) {
        if (s.isBoolean()) return s.booleanValue() ? null : at + ": false schema";
        if (s.path("nullable").asBoolean(false) && v.isNull()) return null;
        if (s.has("$ref")) {
            String r = s.get("$ref").asText();
            return check(r.equals("#") ? root : root.at(r.substring(1)), v, at);
        }
        if (s.has("allOf")) for (JsonNode sub : s.get("allOf")) {
            String e = check(sub, v, at);
            if (e != null) return e;
        }
        if (s.has("anyOf")) {
            boolean ok = false;
            for (JsonNode sub : s.get("anyOf")) ok |= check(sub, v, at) == null;
            if (!ok) return at + ": matches no anyOf branch";
        }
        if (s.has("oneOf")) {
            int n = 0;
            for (JsonNode sub : s.get("oneOf")) if (check(sub, v, at) == null) n++;
            if (n != 1) return at + ": matches " + n + " oneOf branches";
        }
        if (s.has("const") && !s.get("const").equals(v)) return at + ": not the const";
        if (s.has("enum")) {
            boolean ok = false;
            for (JsonNode e : s.get("enum")) ok |= e.equals(v);
            if (!ok) return at + ": not in enum";
        }
        if (s.has("type")) {
            JsonNode t = s.get("type");
            boolean ok = false;
            if (t.isArray()) for (JsonNode x : t) ok |= hasType(v, x.asText());
            else ok = hasType(v, t.asText());
            if (!ok) return at + ": not of type " + t;
        }
        if (v.isObject()) {
            JsonNode props = s.path("properties");
            for (JsonNode r : s.path("required")) if (!v.has(r.asText())) return at + ": missing " + r.asText();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode sub = props.get(e.getKey());
                if (sub == null) {
                    JsonNode add = s.get("additionalProperties");
                    if (add == null) continue;
                    if (add.isBoolean() && !add.booleanValue()) return at + ": extra property " + e.getKey();
                    sub = add;
                }
                String err = check(sub, e.getValue(), at + "." + e.getKey());
                if (err != null) return err;
            }
        }
        if (v.isArray()) {
            if (s.has("minItems") && v.size() < s.get("minItems").asInt()) return at + ": too few items";
            if (s.has("maxItems") && v.size() > s.get("maxItems").asInt()) return at + ": too many items";
            if (s.has("items")) for (int i = 0; i < v.size(); i++) {
                String err = check(s.get("items"), v.get(i), at + "[" + i + "]");
                if (err != null) return err;
            }
        }
        if (v.isTextual()) {
            int len = v.asText().codePointCount(0, v.asText().length());
            if (s.has("minLength") && len < s.get("minLength").asInt()) return at + ": too short";
            if (s.has("maxLength") && len > s.get("maxLength").asInt()) return at + ": too long";
        }
        if (v.isNumber()) {
            double d = v.asDouble();
            if (s.has("minimum") && d < s.get("minimum").asDouble()) return at + ": below minimum";
            if (s.has("maximum") && d > s.get("maximum").asDouble()) return at + ": above maximum";
            if (s.path("exclusiveMinimum").isNumber() && d <= s.get("exclusiveMinimum").asDouble()) return at + ": below exclusiveMinimum";
            if (s.path("exclusiveMaximum").isNumber() && d >= s.get("exclusiveMaximum").asDouble()) return at + ": above exclusiveMaximum";
        }
        return null;
    }

    private static boolean hasType(JsonNode v, String t) {
        return switch (t) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber();
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            default -> false;
        };
    }
}
