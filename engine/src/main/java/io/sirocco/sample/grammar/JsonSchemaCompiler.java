package io.sirocco.sample.grammar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON schema (the subset OpenAI / vLLM clients send) into {@link GrammarGraph} fragments.
 *
 * <p>Supported: {@code type} (one or a list), {@code object} with {@code properties} (emitted in declared order),
 * {@code required}, {@code additionalProperties} (false / true / schema; absent means true), {@code array} with
 * {@code items}, {@code minItems}, {@code maxItems}; {@code string} with {@code minLength}, {@code maxLength};
 * {@code integer} with {@code minimum}/{@code maximum}/{@code exclusiveMinimum}/{@code exclusiveMaximum};
 * {@code number}, {@code boolean}, {@code null}; {@code enum} and {@code const} of any JSON value; {@code anyOf},
 * {@code oneOf} (treated as anyOf), {@code allOf} with one member; {@code $ref} to any JSON pointer in the document
 * ({@code #/$defs/X}, {@code #/definitions/X}, {@code #}), recursion bounded by {@link GrammarMatcher#MAX_DEPTH};
 * OpenAPI {@code nullable}. Annotations ({@code title}, {@code description}, {@code format}, {@code default}, ...) and
 * unknown keywords are ignored, as JSON Schema prescribes. Keywords that constrain values but are not implemented
 * ({@code pattern}, {@code multipleOf}, {@code uniqueItems}, ...) raise an {@link IllegalArgumentException} naming
 * the keyword, so that a server can answer 400 instead of producing output that breaks the schema.
 */
final class JsonSchemaCompiler {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest minLength / maxLength / maxItems unrolled into the graph. */
    static final int MAX_UNROLL = 4096;

    private static final Set<String> UNSUPPORTED = Set.of("pattern", "multipleOf", "patternProperties",
            "propertyNames", "minProperties", "maxProperties", "uniqueItems", "contains", "minContains", "maxContains",
            "prefixItems", "additionalItems", "not", "if", "then", "else", "dependentRequired", "dependentSchemas",
            "dependencies", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$recursiveRef");
    /** Keywords that constrain the value (so they may not sit next to $ref / anyOf, which we do not intersect). */
    private static final Set<String> CONSTRAINTS = Set.of("type", "properties", "required", "additionalProperties",
            "items", "minItems", "maxItems", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "nullable");

    private final JsonSyntax syn;
    private final GrammarGraph g;
    private final JsonNode root;
    private final Map<JsonNode, Integer> rules = new IdentityHashMap<>();

    JsonSchemaCompiler(JsonSyntax syntax, JsonNode root) {
        this.syn = syntax;
        this.g = syntax.graph();
        this.root = root;
        if (root == null || !(root.isObject() || root.isBoolean()))
            throw new IllegalArgumentException("JSON schema must be an object or a boolean, got: " + root);
    }

    /** The root schema's value from {@code from}; returns the node after it. */
    int emitRoot(int from) {
        return emit(root, from, "#");
    }

    private int emit(JsonNode s, int from, String path) {
        if (s.isBoolean()) {
            if (!s.booleanValue()) throw new IllegalArgumentException("schema at " + path + " is false: nothing can match it");
            return syn.call(from, syn.anyValueRule());
        }
        if (!s.isObject()) throw new IllegalArgumentException("schema at " + path + " must be an object or a boolean");
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (UNSUPPORTED.contains(k))
                throw new IllegalArgumentException("unsupported JSON schema keyword '" + k + "' at " + path);
        }
        if (s.path("nullable").asBoolean(false)) {
            ObjectNode rest = ((ObjectNode) s).deepCopy();
            rest.remove("nullable");
            int exit = g.node();
            g.addEps(syn.literal(from, "null"), exit);
            g.addEps(emit(rest, from, path), exit);
            return exit;
        }
        if (s.has("$ref")) {
            onlyWith(s, path, "$ref");
            return syn.call(from, ruleFor(resolve(s.get("$ref"), path), s.get("$ref").asText()));
        }
        if (s.has("allOf")) {
            onlyWith(s, path, "allOf");
            JsonNode all = s.get("allOf");
            if (!all.isArray() || all.size() != 1)
                throw new IllegalArgumentException("unsupported JSON schema keyword 'allOf' at " + path + " (only a single member is supported)");
            return emit(all.get(0), from, path + "/allOf/0");
        }
        for (String k : new String[] {"anyOf", "oneOf"}) {
            if (!s.has(k)) continue;
            onlyWith(s, path, k);
            JsonNode alts = s.get(k);
            if (!alts.isArray() || alts.isEmpty()) throw new IllegalArgumentException("'" + k + "' at " + path + " must be a non-empty array");
            int exit = g.node();
            for (int i = 0; i < alts.size(); i++) g.addEps(emit(alts.get(i), from, path + "/" + k + "/" + i), exit);
            return exit;
        }
        List<String> types = types(s, path);
        if (s.has("const")) return literalValue(from, s.get("const"), path);
        if (s.has("enum")) {
            JsonNode values = s.get("enum");
            if (!values.isArray() || values.isEmpty()) throw new IllegalArgumentException("'enum' at " + path + " must be a non-empty array");
            int exit = g.node();
            int n = 0;
            for (JsonNode v : values) {
                String t = typeOf(v);
                if (!types.isEmpty() && !types.contains(t) && !(t.equals("integer") && types.contains("number"))) continue;
                g.addEps(literalValue(from, v, path), exit);
                n++;
            }
            if (n == 0) throw new IllegalArgumentException("'enum' at " + path + " has no value of the declared type " + types);
            return exit;
        }
        if (types.isEmpty()) types = inferTypes(s);
        if (types.isEmpty()) return syn.call(from, syn.anyValueRule());
        if (types.size() == 1) return emitTyped(s, types.get(0), from, path);
        int exit = g.node();
        for (String t : types) g.addEps(emitTyped(s, t, from, path), exit);
        return exit;
    }

    private int emitTyped(JsonNode s, String type, int from, String path) {
        return switch (type) {
            case "object" -> object(s, from, path);
            case "array" -> array(s, from, path);
            case "string" -> string(s, from, path);
            case "integer" -> IntegerRange.of(s, path).emit(syn, from);
            case "number" -> {
                for (String k : new String[] {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
                    if (s.has(k)) throw new IllegalArgumentException("unsupported JSON schema keyword '" + k
                            + "' at " + path + " for type number (supported for integer)");
                yield syn.number(from, false);
            }
            case "boolean" -> {
                int exit = g.node();
                g.addEps(syn.literal(from, "true"), exit);
                g.addEps(syn.literal(from, "false"), exit);
                yield exit;
            }
            case "null" -> syn.literal(from, "null");
            default -> throw new IllegalArgumentException("unknown JSON schema type '" + type + "' at " + path);
        };
    }

    // ---- object ----

    private int object(JsonNode s, int from, String path) {
        LinkedHashMap<String, JsonNode> props = new LinkedHashMap<>();
        JsonNode p = s.get("properties");
        if (p != null) {
            if (!p.isObject()) throw new IllegalArgumentException("'properties' at " + path + " must be an object");
            p.fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue()));
        }
        Set<String> required = new HashSet<>();
        JsonNode r = s.get("required");
        if (r != null) {
            if (!r.isArray()) throw new IllegalArgumentException("'required' at " + path + " must be an array of names");
            for (JsonNode n : r) {
                required.add(n.asText());
                props.putIfAbsent(n.asText(), JsonNodeTrue.INSTANCE);   // required but undeclared: any value
            }
        }
        JsonNode additional = s.get("additionalProperties");
        if (additional == null) additional = JsonNodeTrue.INSTANCE;
        if (!additional.isBoolean() && !additional.isObject())
            throw new IllegalArgumentException("'additionalProperties' at " + path + " must be a boolean or a schema");
        boolean extra = !(additional.isBoolean() && !additional.booleanValue());
        if (props.isEmpty() && additional.isBoolean() && extra) return syn.call(from, syn.anyObjectRule());

        int open = syn.ws(syn.literal(from, "{"));
        int first = open;   // nothing emitted yet (-1: unreachable)
        int more = -1;      // at least one member emitted
        for (Map.Entry<String, JsonNode> e : props.entrySet()) {
            String name = e.getKey();
            boolean req = required.contains(name);
            byte[] key = serialize(JSON.getNodeFactory().textNode(name));
            String sub = path + "/properties/" + name;
            int nextMore = g.node();
            if (first >= 0) g.addEps(member(first, key, e.getValue(), sub), nextMore);
            if (more >= 0) g.addEps(member(syn.comma(more), key, e.getValue(), sub), nextMore);
            if (req) {
                first = -1;
            } else if (more >= 0) {
                g.addEps(more, nextMore);
            }
            more = nextMore;
        }
        if (extra) {
            List<byte[]> names = new ArrayList<>();
            for (String n : props.keySet()) names.add(n.getBytes(StandardCharsets.UTF_8));
            String sub = path + "/additionalProperties";
            int loop = g.node();
            if (more >= 0) g.addEps(more, loop);
            if (first >= 0) g.addEps(extraMember(first, names, additional, sub), loop);
            g.addEps(extraMember(syn.comma(loop), names, additional, sub), loop);
            more = loop;
        }
        int close = g.node();
        if (first >= 0) g.addByte(first, '}', close);
        if (more >= 0) g.addByte(syn.ws(more), '}', close);
        return close;
    }

    private int member(int from, byte[] key, JsonNode schema, String path) {
        int colon = syn.ws(syn.literal(syn.ws(g.literal(from, key)), ":"));
        return emit(schema, colon, path);
    }

    private int extraMember(int from, List<byte[]> excluded, JsonNode schema, String path) {
        int k = excluded.isEmpty() ? syn.string(from) : syn.keyExcluding(from, excluded);
        int colon = syn.ws(syn.literal(syn.ws(k), ":"));
        return emit(schema, colon, path);
    }

    // ---- array ----

    private int array(JsonNode s, int from, String path) {
        JsonNode items = s.get("items");
        if (items != null && items.isArray())
            throw new IllegalArgumentException("unsupported JSON schema keyword 'items' as an array (tuple) at " + path);
        if (items == null) items = JsonNodeTrue.INSTANCE;
        int min = nonNegative(s, "minItems", 0, path);
        int max = nonNegative(s, "maxItems", -1, path);
        if (max >= 0 && max < min) throw new IllegalArgumentException("maxItems < minItems at " + path);
        if (min > MAX_UNROLL || max > MAX_UNROLL)
            throw new IllegalArgumentException("minItems/maxItems above " + MAX_UNROLL + " are not supported at " + path);
        int rule = items.isBoolean() && items.booleanValue() ? syn.anyValueRule() : ruleFor(items, path + "/items");

        int open = syn.ws(syn.literal(from, "["));
        List<Integer> canClose = new ArrayList<>();
        if (min == 0) canClose.add(open);
        if (max != 0) {
            int cur = syn.call(open, rule);
            int count = 1;
            for (; count < min; count++) cur = syn.call(syn.comma(cur), rule);
            if (max < 0) {
                int loop = g.node();
                g.addEps(cur, loop);
                g.addEps(syn.call(syn.comma(loop), rule), loop);
                canClose.add(loop);
            } else {
                canClose.add(cur);
                for (; count < max; count++) {
                    cur = syn.call(syn.comma(cur), rule);
                    canClose.add(cur);
                }
            }
        }
        int close = g.node();
        for (int c : canClose) g.addByte(c == open ? c : syn.ws(c), ']', close);
        return close;
    }

    // ---- string ----

    private int string(JsonNode s, int from, String path) {
        int min = nonNegative(s, "minLength", 0, path);
        int max = nonNegative(s, "maxLength", -1, path);
        if (max >= 0 && max < min) throw new IllegalArgumentException("maxLength < minLength at " + path);
        if (min > MAX_UNROLL || max > MAX_UNROLL)
            throw new IllegalArgumentException("minLength/maxLength above " + MAX_UNROLL + " are not supported at " + path);
        int body = syn.stringBody(syn.literal(from, "\""), min, max, true);
        return syn.literal(body, "\"");
    }

    // ---- helpers ----

    /** A callable rule for a sub-schema (memoized by identity, which also makes recursive $refs terminate). */
    private int ruleFor(JsonNode schema, String path) {
        Integer start = rules.get(schema);
        if (start != null) return start;
        int s = g.node();
        rules.put(schema, s);
        int end = emit(schema, s, path);
        int ret = g.node();
        g.addEps(end, ret);
        g.markReturn(ret);
        return s;
    }

    private JsonNode resolve(JsonNode ref, String path) {
        String r = ref.asText("");
        if (!r.startsWith("#"))
            throw new IllegalArgumentException("unsupported $ref '" + r + "' at " + path + " (only local refs like #/$defs/Name)");
        String pointer = r.substring(1).replace("~1", "/").replace("~0", "~");
        JsonNode target = pointer.isEmpty() ? root : root.at(r.substring(1));
        if (target.isMissingNode()) throw new IllegalArgumentException("$ref '" + r + "' at " + path + " does not resolve");
        return target;
    }

    private int literalValue(int from, JsonNode value, String path) {
        return g.literal(from, serialize(value));
    }

    private static byte[] serialize(JsonNode v) {
        try {
            return JSON.writeValueAsBytes(v);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + v, e);
        }
    }

    private static void onlyWith(JsonNode s, String path, String keyword) {
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals(keyword) && CONSTRAINTS.contains(k))
                throw new IllegalArgumentException("unsupported JSON schema: '" + k + "' next to '" + keyword + "' at " + path
                        + " (move it into the referenced or alternative schemas)");
        }
    }

    private static List<String> types(JsonNode s, String path) {
        JsonNode t = s.get("type");
        List<String> out = new ArrayList<>();
        if (t == null) return out;
        if (t.isTextual()) out.add(t.asText());
        else if (t.isArray()) for (JsonNode x : t) out.add(x.asText());
        else throw new IllegalArgumentException("'type' at " + path + " must be a string or an array of strings");
        if (out.isEmpty()) throw new IllegalArgumentException("'type' at " + path + " is an empty list");
        return out;
    }

    private static List<String> inferTypes(JsonNode s) {
        List<String> out = new ArrayList<>();
        if (s.has("properties") || s.has("required") || s.has("additionalProperties")) out.add("object");
        if (s.has("items") || s.has("minItems") || s.has("maxItems")) out.add("array");
        if (s.has("minLength") || s.has("maxLength")) out.add("string");
        if (s.has("minimum") || s.has("maximum") || s.has("exclusiveMinimum") || s.has("exclusiveMaximum")) out.add("integer");
        return out;
    }

    private static String typeOf(JsonNode v) {
        if (v.isObject()) return "object";
        if (v.isArray()) return "array";
        if (v.isTextual()) return "string";
        if (v.isIntegralNumber()) return "integer";
        if (v.isNumber()) return "number";
        if (v.isBoolean()) return "boolean";
        return "null";
    }

    private static int nonNegative(JsonNode s, String key, int dflt, String path) {
        JsonNode v = s.get(key);
        if (v == null) return dflt;
        if (!v.canConvertToInt() || v.asInt() < 0 || (v.isFloatingPointNumber() && v.asDouble() != Math.floor(v.asDouble())))
            throw new IllegalArgumentException("'" + key + "' at " + path + " must be a non-negative integer");
        return v.asInt();
    }

    /** The schema {@code true} (any value). */
    private static final class JsonNodeTrue {
        static final JsonNode INSTANCE = JSON.getNodeFactory().booleanNode(true);
    }
}
