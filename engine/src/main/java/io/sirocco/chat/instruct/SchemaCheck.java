package io.sirocco.chat.instruct;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a tool's {@code parameters} against the JSON Schema draft-7 meta-schema, for the keywords whose shape the
 * meta-schema constrains (mistral-common runs {@code Draft7Validator.check_schema}). Messages follow the Python
 * {@code jsonschema} wording for the common failures.
 */
final class SchemaCheck {
    private SchemaCheck() {}

    private static final Set<String> SIMPLE_TYPES = Set.of("array", "boolean", "integer", "null", "number", "object", "string");
    private static final Set<String> SCHEMA_KEYWORDS = Set.of("additionalItems", "additionalProperties", "contains",
            "propertyNames", "not", "if", "then", "else", "items");
    private static final Set<String> SCHEMA_ARRAY_KEYWORDS = Set.of("allOf", "anyOf", "oneOf");
    private static final Set<String> SCHEMA_MAP_KEYWORDS = Set.of("properties", "patternProperties", "definitions", "$defs");
    private static final Set<String> NON_NEGATIVE_INTS = Set.of("maxLength", "minLength", "maxItems", "minItems",
            "maxProperties", "minProperties");
    private static final Set<String> NUMBERS = Set.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");

    /** The first problem found, or empty when the schema is valid. */
    static Optional<String> check(JsonNode schema) {
        return schema(schema);
    }

    private static Optional<String> schema(JsonNode s) {
        if (s.isBoolean()) return Optional.empty();
        if (!s.isObject()) return Optional.of(repr(s) + " is not of type 'object', 'boolean'");
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            Optional<String> err = Optional.empty();
            if (k.equals("type")) err = type(v);
            else if (SCHEMA_KEYWORDS.contains(k)) {
                if (k.equals("items") && v.isArray()) err = schemaArray(v, false);
                else err = schema(v);
            } else if (SCHEMA_ARRAY_KEYWORDS.contains(k)) err = schemaArray(v, true);
            else if (SCHEMA_MAP_KEYWORDS.contains(k)) {
                if (!v.isObject()) err = Optional.of(repr(v) + " is not of type 'object'");
                else for (Iterator<JsonNode> vs = v.elements(); vs.hasNext() && err.isEmpty(); ) err = schema(vs.next());
            } else if (k.equals("dependencies")) {
                if (!v.isObject()) err = Optional.of(repr(v) + " is not of type 'object'");
                else for (Iterator<JsonNode> vs = v.elements(); vs.hasNext() && err.isEmpty(); ) {
                    JsonNode d = vs.next();
                    err = d.isArray() ? stringArray(d) : schema(d);
                }
            } else if (k.equals("required")) err = stringArray(v);
            else if (k.equals("enum")) {
                if (!v.isArray()) err = Optional.of(repr(v) + " is not of type 'array'");
            } else if (NON_NEGATIVE_INTS.contains(k)) {
                if (!v.isIntegralNumber() && !(v.isNumber() && v.doubleValue() == Math.rint(v.doubleValue())))
                    err = Optional.of(repr(v) + " is not of type 'integer'");
                else if (v.doubleValue() < 0) err = Optional.of(repr(v) + " is less than the minimum of 0");
            } else if (NUMBERS.contains(k) || k.equals("multipleOf")) {
                if (!v.isNumber()) err = Optional.of(repr(v) + " is not of type 'number'");
                else if (k.equals("multipleOf") && v.doubleValue() <= 0)
                    err = Optional.of(repr(v) + " is less than or equal to the minimum of 0");
            } else if (k.equals("uniqueItems")) {
                if (!v.isBoolean()) err = Optional.of(repr(v) + " is not of type 'boolean'");
            } else if (k.equals("pattern") || k.equals("format") || k.equals("title") || k.equals("description")
                    || k.equals("$id") || k.equals("$schema") || k.equals("$ref") || k.equals("$comment")
                    || k.equals("contentMediaType") || k.equals("contentEncoding")) {
                if (!v.isTextual()) err = Optional.of(repr(v) + " is not of type 'string'");
            }
            if (err.isPresent()) return err;
        }
        return Optional.empty();
    }

    private static Optional<String> type(JsonNode v) {
        if (v.isTextual()) {
            return SIMPLE_TYPES.contains(v.textValue()) ? Optional.empty()
                    : Optional.of(repr(v) + " is not valid under any of the given schemas");
        }
        if (v.isArray()) {
            Set<String> seen = new HashSet<>();
            for (JsonNode t : v) {
                if (!t.isTextual() || !SIMPLE_TYPES.contains(t.textValue()) || !seen.add(t.textValue()))
                    return Optional.of(repr(v) + " is not valid under any of the given schemas");
            }
            return Optional.empty();
        }
        return Optional.of(repr(v) + " is not valid under any of the given schemas");
    }

    private static Optional<String> schemaArray(JsonNode v, boolean nonEmpty) {
        if (!v.isArray()) return Optional.of(repr(v) + " is not of type 'array'");
        if (nonEmpty && v.isEmpty()) return Optional.of("[] should be non-empty");
        for (JsonNode s : v) {
            Optional<String> e = schema(s);
            if (e.isPresent()) return e;
        }
        return Optional.empty();
    }

    private static Optional<String> stringArray(JsonNode v) {
        if (!v.isArray()) return Optional.of(repr(v) + " is not of type 'array'");
        Set<String> seen = new HashSet<>();
        for (JsonNode s : v) {
            if (!s.isTextual()) return Optional.of(repr(s) + " is not of type 'string'");
            if (!seen.add(s.textValue())) return Optional.of(repr(v) + " has non-unique elements");
        }
        return Optional.empty();
    }

    /** Python repr of a JSON value, approximately (strings in single quotes). */
    private static String repr(JsonNode v) {
        return v.isTextual() ? "'" + v.textValue() + "'" : v.toString();
    }
}
