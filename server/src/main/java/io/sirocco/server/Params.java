package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of request fields. A wrong type or value becomes a 400 naming the field; absent and JSON null both mean
 * "use the default", as in the OpenAI and vLLM servers. Unknown fields are ignored (vLLM logs and ignores them).
 */
final class Params {
    private final ObjectNode body;

    Params(ObjectNode body) {
        this.body = body;
    }

    ObjectNode body() {
        return body;
    }

    boolean has(String name) {
        JsonNode n = body.get(name);
        return n != null && !n.isNull();
    }

    JsonNode node(String name) {
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    boolean bool(String name, boolean dflt) {
        JsonNode n = node(name);
        if (n == null) return dflt;
        if (!n.isBoolean()) throw ApiException.badRequest(name, "'" + name + "' must be a boolean");
        return n.booleanValue();
    }

    String string(String name, String dflt) {
        JsonNode n = node(name);
        if (n == null) return dflt;
        if (!n.isTextual()) throw ApiException.badRequest(name, "'" + name + "' must be a string");
        return n.textValue();
    }

    /** A finite number within [min, max]. */
    Double number(String name, double min, double max) {
        JsonNode n = node(name);
        if (n == null) return null;
        if (!n.isNumber()) throw ApiException.badRequest(name, "'" + name + "' must be a number");
        double v = n.doubleValue();
        if (!Double.isFinite(v) || v < min || v > max)
            throw ApiException.badRequest(name, "'" + name + "' must be between " + fmt(min) + " and " + fmt(max) + ", got " + n.asText());
        return v;
    }

    /** An integer within [min, max] (a float with no fraction, like 16.0, is accepted as vLLM's pydantic does). */
    Long integer(String name, long min, long max) {
        JsonNode n = node(name);
        if (n == null) return null;
        return integer(n, name, min, max);
    }

    static long integer(JsonNode n, String param, long min, long max) {
        boolean integral = n.isIntegralNumber() || (n.isFloatingPointNumber() && n.doubleValue() == Math.rint(n.doubleValue()));
        if (!integral) throw ApiException.badRequest(param, "'" + param + "' must be an integer");
        if (!n.canConvertToLong() && n.isIntegralNumber() || Math.abs(n.doubleValue()) > 9.0e18)
            throw ApiException.badRequest(param, "'" + param + "' is out of range: " + n.asText());
        long v = n.asLong();
        if (v < min || v > max) throw ApiException.badRequest(param, "'" + param + "' must be between " + min + " and " + max + ", got " + v);
        return v;
    }

    /** A string or a list of strings (OpenAI "stop"). */
    List<String> stringOrList(String name, int maxItems) {
        JsonNode n = node(name);
        List<String> out = new ArrayList<>();
        if (n == null) return out;
        if (n.isTextual()) {
            out.add(n.textValue());
        } else if (n.isArray()) {
            if (n.size() > maxItems) throw ApiException.badRequest(name, "'" + name + "' may have at most " + maxItems + " items");
            for (int i = 0; i < n.size(); i++) {
                if (!n.get(i).isTextual()) throw ApiException.badRequest(name, "'" + name + "[" + i + "]' must be a string");
                out.add(n.get(i).textValue());
            }
        } else {
            throw ApiException.badRequest(name, "'" + name + "' must be a string or a list of strings");
        }
        for (String s : out) if (s.isEmpty()) throw ApiException.badRequest(name, "'" + name + "' may not contain an empty string");
        return out;
    }

    /** A list of integers in [min, max]. */
    List<Integer> intList(String name, long min, long max, int maxItems) {
        JsonNode n = node(name);
        List<Integer> out = new ArrayList<>();
        if (n == null) return out;
        if (!n.isArray()) throw ApiException.badRequest(name, "'" + name + "' must be a list of integers");
        if (n.size() > maxItems) throw ApiException.badRequest(name, "'" + name + "' may have at most " + maxItems + " items");
        for (int i = 0; i < n.size(); i++) out.add((int) integer(n.get(i), name + "[" + i + "]", min, max));
        return out;
    }

    ObjectNode object(String name) {
        JsonNode n = node(name);
        if (n == null) return null;
        if (!(n instanceof ObjectNode o)) throw ApiException.badRequest(name, "'" + name + "' must be an object");
        return o;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
