package io.sirocco.chat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Python's {@code json.loads} / {@code json.dumps(obj, ensure_ascii=False)} on Jackson trees. mistral-common serialises
 * tools, arguments and settings this way, so the prompt tokens depend on every detail: separators {@code ", "} and
 * {@code ": "}, key order as given, floats in Python {@code repr} form ({@code 1e10 → 10000000000.0},
 * {@code 1E-7 → 1e-07}), non-ASCII characters written as is.
 */
public final class PythonJson {
    private PythonJson() {}

    /** Like Python's parser: NaN/Infinity accepted, trailing data rejected, ints stay ints, floats are doubles. */
    private static final ObjectMapper LOADS = JsonMapper.builder(JsonFactory.builder()
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /** {@code json.loads(text)}, or empty when Python would raise {@code JSONDecodeError}. */
    public static Optional<JsonNode> loads(String text) {
        try {
            JsonNode n = LOADS.readTree(text);
            return n == null || n.isMissingNode() ? Optional.empty() : Optional.of(n);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code json.dumps(node, ensure_ascii=False)}. */
    public static String dumps(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(node, sb, false);
        return sb.toString();
    }

    /** {@code json.dumps(node, ensure_ascii=False, sort_keys=True)}. */
    public static String dumpsSorted(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(node, sb, true);
        return sb.toString();
    }

    /** {@code json.dumps(s, ensure_ascii=False)} for one string. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        writeString(s, sb);
        return sb.toString();
    }

    /** The mistral-common normalisation of arguments: {@code ""} → {@code {}}, valid JSON re-dumped, else verbatim. */
    public static String normalize(String json) {
        if (json == null || json.isEmpty()) return "{}";
        return loads(json).map(PythonJson::dumps).orElse(json);
    }

    private static void write(JsonNode n, StringBuilder sb, boolean sortKeys) {
        switch (n.getNodeType()) {
            case OBJECT -> {
                sb.append('{');
                List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) fields.add(it.next());
                if (sortKeys) fields.sort(Map.Entry.comparingByKey(PythonJson::compareCodePoints));
                boolean first = true;
                for (Map.Entry<String, JsonNode> e : fields) {
                    if (!first) sb.append(", ");
                    first = false;
                    writeString(e.getKey(), sb);
                    sb.append(": ");
                    write(e.getValue(), sb, sortKeys);
                }
                sb.append('}');
            }
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < n.size(); i++) {
                    if (i > 0) sb.append(", ");
                    write(n.get(i), sb, sortKeys);
                }
                sb.append(']');
            }
            case STRING -> writeString(n.textValue(), sb);
            case BOOLEAN -> sb.append(n.booleanValue() ? "true" : "false");
            case NULL, MISSING -> sb.append("null");
            case NUMBER -> {
                if (n.isIntegralNumber()) sb.append(n.bigIntegerValue());
                else if (n.isBigDecimal()) sb.append(floatRepr(n.decimalValue().doubleValue()));
                else sb.append(floatRepr(n.doubleValue()));
            }
            default -> throw new IllegalArgumentException("cannot serialise JSON node of type " + n.getNodeType());
        }
    }

    /**
     * Rounds the exact binary value to 1, 2, … significant digits until the result reads back as {@code v}. (Java's
     * {@link Double#toString} keeps at least two digits, so it writes 4.9E-324 where Python writes 5e-324.)
     */
    private static BigDecimal shortestRoundTrip(double v) {
        BigDecimal exact = new BigDecimal(v);
        for (int digits = 1; digits < 17; digits++) {
            BigDecimal d = exact.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_EVEN));
            if (d.doubleValue() == v) return d.stripTrailingZeros();
        }
        return exact.round(new java.math.MathContext(17, java.math.RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }

    /** Python sorts str keys by code point; Java's compareTo is by UTF-16 unit (differs only above U+FFFF). */
    private static int compareCodePoints(String a, String b) {
        return java.util.Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
    }

    private static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /**
     * Python {@code repr(float)}: the shortest correctly rounded digits that read back as the same double, fixed
     * notation when the decimal exponent is in [-4, 16), else {@code d.ddde±XX}.
     */
    public static String floatRepr(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "Infinity" : "-Infinity";
        if (v == 0) return (1 / v < 0) ? "-0.0" : "0.0";
        BigDecimal shortest = shortestRoundTrip(Math.abs(v));
        String digits = shortest.unscaledValue().toString();
        int decpt = digits.length() - shortest.scale(); // value = 0.DIGITS × 10^decpt
        StringBuilder sb = new StringBuilder();
        if (v < 0) sb.append('-');
        if (decpt > 16 || decpt <= -4) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            if (a < 10) sb.append('0');
            sb.append(a);
        } else if (decpt <= 0) {
            sb.append("0.").append("0".repeat(-decpt)).append(digits);
        } else if (decpt >= digits.length()) {
            sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
        }
        return sb.toString();
    }

}
