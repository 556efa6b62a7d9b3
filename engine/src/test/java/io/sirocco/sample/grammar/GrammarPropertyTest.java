package io.sirocco.sample.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.testing.TestData;
import io.sirocco.tokenizer.TekkenTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property: every output sampled at random under the mask (8192-id Tekken vocabulary) parses as JSON and validates
 * against its schema; the mask never empties.
 */
class GrammarPropertyTest {
    static TekkenTokenizer tok;
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @BeforeAll
    static void load() {
        tok = TekkenTokenizer.load(TestData.file("mistral-tiny/native/tekken.json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{\"type\":\"object\"}",
        "{\"anyOf\":[{\"type\":\"object\"},{\"type\":\"array\"}]}",
        "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":12},\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":150},"
                + "\"email\":{\"type\":\"string\",\"format\":\"email\"}},\"required\":[\"name\",\"age\"],\"additionalProperties\":false}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},\"b\":{\"type\":\"boolean\"}},\"additionalProperties\":{\"type\":\"null\"}}",
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}",
        "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4},\"minItems\":1,\"maxItems\":4}",
        "{\"type\":\"array\",\"items\":{\"enum\":[\"red\",\"green\",42,null,{\"k\":[true]}]},\"maxItems\":6}",
        "{\"type\":[\"string\",\"null\"],\"maxLength\":5}",
        "{\"oneOf\":[{\"type\":\"integer\",\"minimum\":-20,\"exclusiveMaximum\":7},{\"type\":\"string\",\"const\":\"none\"},{\"type\":\"array\",\"maxItems\":2,\"items\":{\"type\":\"boolean\"}}]}",
        "{\"$defs\":{\"N\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\"},\"kids\":{\"type\":\"array\",\"maxItems\":2,"
                + "\"items\":{\"$ref\":\"#/$defs/N\"}}},\"required\":[\"v\"],\"additionalProperties\":false}},\"$ref\":\"#/$defs/N\"}",
        "{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\",\"description\":\"City\"},\"unit\":{\"type\":\"string\","
                + "\"enum\":[\"celsius\",\"fahrenheit\"]},\"days\":{\"type\":[\"integer\",\"null\"],\"minimum\":1,\"maximum\":14}},"
                + "\"required\":[\"location\",\"unit\",\"days\"],\"additionalProperties\":false}",
        "{\"type\":\"object\",\"properties\":{\"ä日\":{\"type\":\"string\"},\"q\\\"k\":{\"type\":\"integer\"}},\"additionalProperties\":{\"type\":\"integer\"}}",
    })
    void sampledOutputsParseAndValidate(String schemaText) throws Exception {
        JsonNode schema = STRICT.readTree(schemaText);
        MiniSchemaValidator validator = new MiniSchemaValidator(schema);
        Grammar grammar = GrammarProcessors.jsonSchemaGrammar(schema);
        Random rnd = new Random(schemaText.hashCode());
        int complete = 0;
        for (int run = 0; run < 25; run++) {
            GrammarLogitsProcessor p = GrammarProcessors.forGrammar(grammar, tok);
            GrammarSampling.Sample s = GrammarSampling.walk(p, tok, rnd, 400, 0.35);
            if (!s.complete()) continue;
            complete++;
            String text = new String(s.bytes(), StandardCharsets.UTF_8);
            if (run < 3 && Boolean.getBoolean("grammar.print")) System.out.println(s.ids().size() + " tokens, masks " + p.maskComputations() + " in " + p.maskNanos() / 1e6 + " ms: " + text);
            JsonNode value;
            try {
                value = STRICT.readTree(s.bytes());
            } catch (Exception e) {
                fail("does not parse: " + text + " (" + e.getMessage() + ")");
                return;
            }
            String err = validator.validate(value);
            assertThat(err).as("output %s", text).isNull();
        }
        assertThat(complete).as("completed walks").isGreaterThanOrEqualTo(10);
    }
}
