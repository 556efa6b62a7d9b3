package io.sirocco.sample.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JsonSchemaGrammarTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static GrammarMatcher matcher(String schema) {
        try {
            return new GrammarMatcher(GrammarProcessors.jsonSchemaGrammar(JSON.readTree(schema)));
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static void check(String schema, String[] accept, String[] reject) {
        GrammarMatcher m = matcher(schema);
        for (String s : accept) assertThat(m.matches(s)).as("%s should accept %s", schema, s).isTrue();
        for (String s : reject) assertThat(m.matches(s)).as("%s should reject %s", schema, s).isFalse();
    }

    private static String[] a(String... s) {
        return s;
    }

    @Test
    void anyValue() {
        check("{}", a("1", "-0.5e+3", "\"x\"", "true", "null", "[]", "{}", "[1, {\"a\": [null]}]", " {\"a\":1}",
                        "{\"a\" : 1 , \"a\": 2}", "\"\\u00e9\\n\"", "\"é日本🙂\""),
                a("", "01", "1.", ".5", "tru", "{,}", "[1,]", "{\"a\"}", "'x'", "\"\\x\"", "\"a\nb\"", "\"\\ud800\"",
                        "{} ", "NaN"));
    }

    @Test
    void invalidUtf8IsRejected() {
        GrammarMatcher m = matcher("{\"type\":\"string\"}");
        assertThat(m.stepBytes(m.initial(), new byte[] {'"', (byte) 0xC0, (byte) 0x80, '"'}).isAccepting()).isFalse();
        assertThat(m.stepBytes(m.initial(), new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}).isAccepting()).isFalse();
        assertThat(m.stepBytes(m.initial(), new byte[] {'"', (byte) 0xC3, (byte) 0xA9, '"'}).isAccepting()).isTrue();
    }

    @Test
    void whitespaceIsBounded() {
        GrammarMatcher m = matcher("{\"type\":\"array\"}");
        assertThat(m.matches("[" + " ".repeat(JsonSyntax.MAX_WS) + "]")).isTrue();
        assertThat(m.matches("[" + " ".repeat(JsonSyntax.MAX_WS + 1) + "]")).isFalse();
        assertThat(m.matches("[\n  1,\n  2\n]")).isTrue();
    }

    @Test
    void objectProperties() {
        String s = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"},\"b\":{\"type\":\"string\"},"
                + "\"c\":{\"type\":\"boolean\"}},\"required\":[\"a\",\"c\"],\"additionalProperties\":false}";
        check(s, a("{\"a\": 1, \"c\": true}", "{\"a\":1,\"b\":\"x\",\"c\":false}", "{ \"a\" : -3 , \"c\" : true }"),
                a("{\"a\": 1}", "{\"c\": true, \"a\": 1}", "{\"a\": 1, \"c\": true, \"d\": 1}", "{\"a\": \"1\", \"c\": true}",
                        "{\"a\": 1.5, \"c\": true}", "{}", "{\"a\": 1,, \"c\": true}"));
    }

    @Test
    void optionalPropertiesAndCommas() {
        String s = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"null\"},\"b\":{\"type\":\"null\"}},\"additionalProperties\":false}";
        check(s, a("{}", "{\"a\":null}", "{\"b\":null}", "{\"a\":null,\"b\":null}"),
                a("{,\"b\":null}", "{\"a\":null,}", "{\"b\":null,\"a\":null}", "{\"a\":null\"b\":null}"));
    }

    @Test
    void additionalProperties() {
        String open = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}";
        check(open, a("{\"a\":1}", "{\"a\":1,\"x\":[1]}", "{\"x\":\"y\"}", "{}", "{\"ab\":1}", "{\"\":2}"),
                a("{\"a\":1,\"a\":2}", "{\"x\":1,\"a\":1}", "{\"a\":\"s\"}"));
        String typed = "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"number\"}}";
        check(typed, a("{}", "{\"x\":1,\"y\":2.5}", "{\"\\n\":1}"), a("{\"x\":\"1\"}"));
        check("{\"type\":\"object\"}", a("{}", "{\"x\":{\"y\":[]}}"), a("[]", "1"));
        check("{\"type\":\"object\",\"additionalProperties\":false}", a("{}", "{ }"), a("{\"a\":1}"));
    }

    @Test
    void arrays() {
        check("{\"type\":\"array\",\"items\":{\"type\":\"integer\"},\"minItems\":1,\"maxItems\":3}",
                a("[1]", "[1, 2]", "[1,2,3]", "[ 1 , 2 ]"), a("[]", "[1,2,3,4]", "[1.0]", "[\"1\"]"));
        check("{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":2}",
                a("[\"a\",\"b\"]", "[\"a\",\"b\",\"c\",\"d\"]"), a("[\"a\"]", "[]"));
        check("{\"type\":\"array\",\"maxItems\":0}", a("[]"), a("[1]"));
    }

    @Test
    void strings() {
        check("{\"type\":\"string\",\"minLength\":2,\"maxLength\":3}", a("\"ab\"", "\"abc\"", "\"é\\n\"", "\"日本\""),
                a("\"a\"", "\"abcd\"", "\"\"", "ab"));
        check("{\"type\":\"string\",\"format\":\"date-time\"}", a("\"anything\""), a("1"));
        check("{\"enum\":[\"red\",\"green\",1,null,{\"a\":[1]}]}", a("\"red\"", "\"green\"", "1", "null", "{\"a\":[1]}"),
                a("\"blue\"", "2", "\"Red\""));
        check("{\"type\":\"string\",\"enum\":[\"x\",2]}", a("\"x\""), a("2"));
        check("{\"const\":\"only\"}", a("\"only\""), a("\"other\""));
        check("{\"const\":\"quo\\\"te\"}", a("\"quo\\\"te\""), a("\"quo\""));
    }

    @Test
    void numbers() {
        check("{\"type\":\"number\"}", a("0", "-0", "1.25", "1e5", "-2.5E-3", "10"), a("01", "1.", "+1", "1e", "--1", ".1"));
        check("{\"type\":\"integer\"}", a("0", "-12", "7"), a("1.0", "1e2", "00"));
        check("{\"type\":\"integer\",\"minimum\":0}", a("0", "7", "12345"), a("-1", "-0"));
        check("{\"type\":\"integer\",\"minimum\":-5,\"maximum\":123}", a("-5", "-1", "0", "9", "99", "100", "123"),
                a("-6", "124", "200", "1000", "-10"));
        check("{\"type\":\"integer\",\"exclusiveMinimum\":10,\"exclusiveMaximum\":20}", a("11", "19", "15"),
                a("10", "20", "9", "5"));
        check("{\"type\":\"integer\",\"minimum\":95}", a("95", "100", "99999"), a("94", "9", "10"));
        check("{\"type\":\"integer\",\"maximum\":-3}", a("-3", "-100"), a("-2", "0", "3"));
    }

    @Test
    void booleansNullsAndTypeLists() {
        check("{\"type\":\"boolean\"}", a("true", "false"), a("null", "1"));
        check("{\"type\":[\"string\",\"null\"],\"maxLength\":1}", a("null", "\"a\""), a("\"ab\"", "1"));
        check("{\"type\":\"integer\",\"nullable\":true}", a("null", "3"), a("\"3\""));
    }

    @Test
    void anyOfOneOfAllOf() {
        check("{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"object\",\"properties\":{\"k\":{\"const\":1}},\"required\":[\"k\"],\"additionalProperties\":false}]}",
                a("5", "{\"k\":1}"), a("{}", "\"5\""));
        check("{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"boolean\"}]}", a("\"s\"", "true"), a("1"));
        check("{\"allOf\":[{\"type\":\"null\"}],\"description\":\"d\"}", a("null"), a("1"));
    }

    @Test
    void refs() {
        String defs = "{\"$defs\":{\"P\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"integer\"}},\"required\":[\"x\"],\"additionalProperties\":false}},"
                + "\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/P\"}}";
        check(defs, a("[]", "[{\"x\":1},{\"x\":2}]"), a("[{}]", "[{\"x\":\"1\"}]"));
        String old = "{\"definitions\":{\"S\":{\"type\":\"string\"}},\"properties\":{\"s\":{\"$ref\":\"#/definitions/S\"}},\"required\":[\"s\"],\"additionalProperties\":false}";
        check(old, a("{\"s\":\"v\"}"), a("{\"s\":1}"));
        String tree = "{\"$defs\":{\"N\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\"},"
                + "\"kids\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/N\"}}},\"required\":[\"v\"],\"additionalProperties\":false}},"
                + "\"$ref\":\"#/$defs/N\"}";
        check(tree, a("{\"v\":1}", "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":3}]},{\"v\":4}]}"),
                a("{\"v\":1,\"kids\":[{}]}", "{\"kids\":[]}"));
        check("{\"type\":\"object\",\"properties\":{\"next\":{\"$ref\":\"#\"}},\"additionalProperties\":false}",
                a("{}", "{\"next\":{\"next\":{}}}"), a("{\"next\":1}"));
    }

    @Test
    void unsupportedKeywordsAreNamed() {
        for (String kw : new String[] {"pattern", "uniqueItems", "multipleOf", "not", "patternProperties", "prefixItems"}) {
            String schema = "{\"type\":\"string\",\"" + kw + "\":" + (kw.equals("uniqueItems") ? "true" : kw.equals("multipleOf") ? "2" : kw.equals("prefixItems") ? "[]" : kw.equals("pattern") ? "\"a+\"" : "{}") + "}";
            assertThatThrownBy(() -> matcher(schema)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + kw + "'");
        }
        assertThatThrownBy(() -> matcher("{\"type\":\"number\",\"minimum\":0.5}")).hasMessageContaining("'minimum'");
        assertThatThrownBy(() -> matcher("{\"$ref\":\"#/$defs/Missing\"}")).hasMessageContaining("does not resolve");
        assertThatThrownBy(() -> matcher("{\"$ref\":\"http://x/y\"}")).hasMessageContaining("only local refs");
        assertThatThrownBy(() -> matcher("{\"type\":\"strin\"}")).hasMessageContaining("unknown JSON schema type 'strin'");
        assertThatThrownBy(() -> matcher("{\"allOf\":[{},{}]}")).hasMessageContaining("'allOf'");
        assertThatThrownBy(() -> matcher("false")).hasMessageContaining("false");
    }

    @Test
    void unknownAnnotationsAreIgnored() {
        check("{\"type\":\"integer\",\"title\":\"t\",\"description\":\"d\",\"default\":1,\"examples\":[1],\"x-vendor\":true}",
                a("1"), a("\"1\""));
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (java.io.IOException e) {
            throw new RuntimeException(e);
        }
    }
}
