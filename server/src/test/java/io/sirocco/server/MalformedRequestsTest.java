package io.sirocco.server;

import static io.sirocco.server.TestServer.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Hundreds of malformed requests: every one gets a 4xx OpenAI error, and the server answers correctly afterwards. */
class MalformedRequestsTest {
    static FakeEngine engine;
    static SiroccoServer server;
    static int port;

    @BeforeAll
    static void start() {
        var tok = TestServer.tinyModel().tokenizer();
        engine = new FakeEngine(TestServer.tinyModel(), r -> ChatScript.answer(tok, r));
        server = SiroccoServer.start(TestServer.config().enableAutoToolChoice(true).toolCallParser("mistral").build(), engine,
                img -> new float[img.grid().imageTokens() * 64], SiroccoServer.mistralGrammar());
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    static final String USER = "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]";
    static final String TOOL = "{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"type\": \"object\"}}}";

    static List<String[]> cases() {
        List<String[]> c = new ArrayList<>();
        String chat = "/v1/chat/completions", cmpl = "/v1/completions";
        // path, body
        for (String body : List.of("", "{", "[]", "null", "42", "\"x\"", "{\"messages\": ", "{\"messages\": []]", "\u0000\u0001", "{\"a\":1}{"))
            for (String path : List.of(chat, cmpl, "/tokenize", "/detokenize")) c.add(new String[] {path, body});
        String[] badFields = {
            "\"temperature\": \"hot\"", "\"temperature\": -1", "\"temperature\": 1e400", "\"top_p\": 0", "\"top_p\": 2", "\"top_k\": -5",
            "\"top_k\": 1.5", "\"min_p\": 3", "\"n\": 0", "\"n\": 1000", "\"n\": \"two\"", "\"max_tokens\": -1", "\"max_tokens\": 0",
            "\"max_tokens\": 99999999999999999999999", "\"max_tokens\": 1e30", "\"max_tokens\": 5000000", "\"max_completion_tokens\": -3",
            "\"presence_penalty\": 5", "\"frequency_penalty\": -9", "\"repetition_penalty\": 0", "\"repetition_penalty\": -1",
            "\"seed\": \"abc\"", "\"seed\": 1.5", "\"stop\": 5", "\"stop\": [1, 2]", "\"stop\": [\"\"]", "\"stop_token_ids\": [-1]",
            "\"stop_token_ids\": [999999999]", "\"stop_token_ids\": \"x\"", "\"logit_bias\": {\"abc\": 1}", "\"logit_bias\": {\"5\": 1000}",
            "\"logit_bias\": []", "\"stream\": \"yes\"", "\"stream_options\": {\"include_usage\": true}", "\"logprobs\": 5",
            "\"top_logprobs\": 3", "\"logprobs\": true, \"top_logprobs\": 100", "\"model\": 5", "\"model\": \"other\"", "\"min_tokens\": -1",
            "\"response_format\": {\"type\": \"xml\"}", "\"response_format\": \"json\"", "\"response_format\": {\"type\": \"json_schema\"}",
            "\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"x\", \"schema\": 5}}",
            "\"tools\": 5", "\"tools\": [5]", "\"tools\": [{\"type\": \"function\"}]", "\"tools\": [" + TOOL + "], \"tool_choice\": \"sometimes\"",
            "\"tools\": [" + TOOL + "], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"g\"}}",
            "\"tool_choice\": \"required\"", "\"tool_choice\": {\"type\": \"function\"}", "\"reasoning_effort\": \"extreme\"",
            "\"parallel_tool_calls\": \"no\"", "\"ignore_eos\": 1", "\"include_stop_str_in_output\": \"x\"",
        };
        for (String f : badFields) c.add(new String[] {chat, "{" + USER + ", " + f + "}"});
        String[] badMessages = {
            "\"messages\": 5", "\"messages\": [5]", "\"messages\": [{}]", "\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]",
            "\"messages\": [{\"role\": \"user\"}]", "\"messages\": [{\"role\": \"user\", \"content\": 5}]",
            "\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"video\"}]}]",
            "\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,!!!!\"}}]}]",
            "\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,aGVsbG8=\"}}]}]",
            "\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:text/plain;base64,aGVsbG8=\"}}]}]",
            "\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {}}]}]",
            "\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\"}]}]",
            "\"messages\": [{\"role\": \"assistant\", \"content\": \"x\"}]",
            "\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]",
            "\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"tool_calls\": [{\"function\": {}}]}]",
            "\"messages\": [{\"role\": \"system\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,aGVsbG8=\"}}]}]",
            "\"messages\": [{\"role\": \"user\", \"content\": \"" + "word ".repeat(40000) + "\"}]",
        };
        for (String m : badMessages) c.add(new String[] {chat, "{" + m + "}"});
        String[] badCompletions = {"\"prompt\": 5", "\"prompt\": []", "\"prompt\": [[]]", "\"prompt\": [-1]", "\"prompt\": [1.5]",
            "\"prompt\": [1, \"a\"]", "\"prompt\": [{}]", "\"prompt\": \"x\", \"logprobs\": 50", "\"prompt\": \"x\", \"logprobs\": true",
            "\"prompt\": \"x\", \"suffix\": \"y\"", "\"prompt\": \"x\", \"echo\": 3", "\"prompt\": \"x\", \"max_tokens\": -4",
            "\"prompt\": [99999999999999]", "\"prompt\": \"x\", \"n\": 17", "\"prompt\": \"x\", \"best_of\": 2, \"n\": -1", "\"prompt\": [[1], 5]"};
        for (String b : badCompletions) c.add(new String[] {cmpl, "{" + b + "}"});
        c.add(new String[] {"/detokenize", "{\"tokens\": [-1]}"});
        c.add(new String[] {"/detokenize", "{\"tokens\": \"x\"}"});
        c.add(new String[] {"/tokenize", "{\"prompt\": 5}"});
        c.add(new String[] {"/tokenize", "{}"});
        // random byte soup and truncated valid requests
        Random rnd = new Random(7);
        String valid = "{" + USER + ", \"max_tokens\": 5, \"temperature\": 0.5}";
        for (int i = 0; i < 100; i++) c.add(new String[] {chat, valid.substring(0, rnd.nextInt(valid.length()))});
        for (int i = 0; i < 90; i++) {
            StringBuilder sb = new StringBuilder("{");
            for (int k = 0; k < 20; k++) sb.append((char) (32 + rnd.nextInt(95)));
            c.add(new String[] {i % 2 == 0 ? chat : cmpl, sb.toString()});
        }
        return c;
    }

    @Test
    void everyMalformedRequestGetsAClientErrorAndTheServerSurvives() {
        List<String[]> cases = cases();
        assertThat(cases.size()).isGreaterThan(300);
        for (String[] c : cases) {
            var r = post(port, c[0], c[1]);
            assertThat(r.status()).as(c[0] + " " + abbreviate(c[1]) + " → " + r.body()).isBetween(400, 499);
            JsonNode err = r.json().get("error");
            assertThat(err.get("message").asText()).isNotEmpty();
            assertThat(err.get("code").asInt()).isEqualTo(r.status());
        }
        var ok = post(port, "/v1/chat/completions", "{" + USER + "}").json();
        assertThat(ok.get("choices").get(0).get("message").get("content").asText()).isEqualTo(ChatScript.ANSWER);
        var ok2 = post(port, "/v1/completions", "{\"prompt\": [1, 2000], \"max_tokens\": 3}").json();
        assertThat(ok2.get("usage").get("completion_tokens").asInt()).isEqualTo(3);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
