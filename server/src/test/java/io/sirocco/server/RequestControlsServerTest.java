package io.sirocco.server;

import static io.sirocco.server.TestServer.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.engine.BatchingEngine;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** vLLM request extras on the tiny model: prompt_logprobs, echo + logprobs, allowed_token_ids, bad_words, truncate_prompt_tokens. */
class RequestControlsServerTest {
    static WorkerPool pool;
    static BatchingEngine engine;
    static SiroccoServer server;
    static int port;
    static JsonNode golden;

    @BeforeAll
    static void start() throws Exception {
        pool = new WorkerPool(2);
        engine = TestServer.batching(TestServer.tinyModel(), pool);
        server = SiroccoServer.start(TestServer.config().build(), engine);
        port = server.port();
        golden = Json.MAPPER.readTree(TestData.file("mistral-tiny/generation.json").toFile());
    }

    @AfterAll
    static void stop() {
        server.stop();
        engine.close();
        pool.close();
    }

    static JsonNode golden(String name) {
        for (JsonNode p : golden.get("prompts")) if (p.get("name").asText().equals(name)) return p;
        throw new AssertionError(name);
    }

    static JsonNode ok(String path, String body) {
        TestServer.Response r = post(port, path, body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static List<Integer> ids(JsonNode arr) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode n : arr) out.add(n.asInt());
        return out;
    }

    /** The golden prompt followed by its greedy continuation: prompt_logprobs of those tokens are llama.cpp's step logprobs. */
    @Test
    void promptLogprobsOfAGoldenContinuationMatchLlamaCpp() {
        JsonNode g = golden("chat_system");
        List<Integer> prompt = ids(g.get("prompt_ids"));
        int n = prompt.size();
        for (JsonNode s : g.get("steps")) prompt.add(s.get("id").asInt());
        JsonNode r = ok("/v1/completions", "{\"prompt\": " + prompt + ", \"max_tokens\": 1, \"temperature\": 0, \"prompt_logprobs\": 5}");
        JsonNode plp = r.get("choices").get(0).get("prompt_logprobs");
        assertThat(plp.size()).isEqualTo(prompt.size());
        assertThat(plp.get(0).isNull()).isTrue();
        for (int i = 0; i < g.get("steps").size(); i++) {
            JsonNode s = g.get("steps").get(i), e = plp.get(n + i);
            JsonNode tok = e.get(Integer.toString(s.get("id").asInt()));
            assertThat(tok.get("logprob").asDouble()).as("token " + i).isCloseTo(s.get("logprob").asDouble(), Offset.offset(1e-4));
            assertThat(tok.get("rank").asInt()).isEqualTo(1);
            assertThat(tok.has("decoded_token")).isTrue();
            for (JsonNode t : s.get("top5")) {
                JsonNode alt = e.get(Integer.toString(t.get(0).asInt()));
                if (alt != null) assertThat(alt.get("logprob").asDouble()).isCloseTo(t.get(1).asDouble(), Offset.offset(1e-4));
            }
            assertThat(e.size()).isBetween(5, 6);  // the token itself is among the top 5 here
        }
        assertThat(r.get("choices").get(0).get("logprobs").isNull()).isTrue();
    }

    @Test
    void echoWithLogprobsReportsThePromptTokens() {
        List<Integer> prompt = ids(golden("plain_french").get("prompt_ids"));
        String base = "\"prompt\": " + prompt + ", \"max_tokens\": 3, \"temperature\": 0, \"return_tokens_as_token_ids\": true";
        JsonNode want = ok("/v1/completions", "{" + base + ", \"prompt_logprobs\": 2}").get("choices").get(0).get("prompt_logprobs");
        JsonNode lp = ok("/v1/completions", "{" + base + ", \"echo\": true, \"logprobs\": 2}").get("choices").get(0).get("logprobs");
        assertThat(lp.get("tokens").size()).isEqualTo(prompt.size() + 3);
        assertThat(lp.get("token_logprobs").get(0).isNull()).isTrue();
        assertThat(lp.get("top_logprobs").get(0).isNull()).isTrue();
        for (int i = 1; i < prompt.size(); i++) {
            String key = "token_id:" + prompt.get(i);
            assertThat(lp.get("tokens").get(i).asText()).isEqualTo(key);
            double expected = want.get(i).get(Integer.toString(prompt.get(i))).get("logprob").asDouble();
            // another request, other batch shapes: the same values up to summation order
            assertThat(lp.get("token_logprobs").get(i).asDouble()).isCloseTo(expected, Offset.offset(1e-4));
            assertThat(lp.get("top_logprobs").get(i).get(key).asDouble()).isCloseTo(expected, Offset.offset(1e-4));
            assertThat(lp.get("top_logprobs").get(i).size()).isBetween(2, 3);
        }
        assertThat(lp.get("token_logprobs").get(prompt.size()).isNumber()).isTrue();

        // streamed: the first chunk carries the echo and the prompt tokens' logprobs
        TestServer.Response r = post(port, "/v1/completions", "{" + base + ", \"echo\": true, \"logprobs\": 2, \"stream\": true}");
        JsonNode first = Sse.events(r.body()).getFirst().get("choices").get(0).get("logprobs");
        assertThat(first.get("tokens").size()).isEqualTo(prompt.size() + 1);
        assertThat(first.get("token_logprobs").get(0).isNull()).isTrue();
        assertThat(first.get("token_logprobs").get(1).asDouble()).isCloseTo(lp.get("token_logprobs").get(1).asDouble(), Offset.offset(1e-4));
    }

    @Test
    void chatPromptLogprobsAreOnTheResponseAndRefusedWhenStreaming() {
        String msgs = "\"messages\": [{\"role\": \"user\", \"content\": \"Bonjour\"}], \"max_tokens\": 2, \"temperature\": 0";
        JsonNode r = ok("/v1/chat/completions", "{" + msgs + ", \"prompt_logprobs\": 0}");
        JsonNode plp = r.get("prompt_logprobs");
        assertThat(plp.size()).isEqualTo(r.get("usage").get("prompt_tokens").asInt());
        assertThat(plp.get(0).isNull()).isTrue();
        for (int i = 1; i < plp.size(); i++) assertThat(plp.get(i).size()).isEqualTo(1);
        TestServer.Response s = post(port, "/v1/chat/completions", "{" + msgs + ", \"prompt_logprobs\": 1, \"stream\": true}");
        assertThat(s.status()).isEqualTo(400);
        assertThat(s.body()).contains("prompt_logprobs");
        assertThat(ok("/v1/chat/completions", "{" + msgs + "}").get("prompt_logprobs").isNull()).isTrue();
    }

    @Test
    void allowedTokenIdsLimitTheOutput() {
        String prompt = "\"prompt\": " + ids(golden("plain_capital").get("prompt_ids")) + ", \"max_tokens\": 8, \"temperature\": 1, \"seed\": 3, \"return_token_ids\": true";
        JsonNode r = ok("/v1/completions", "{" + prompt + ", \"allowed_token_ids\": [1500, 1501, 1502]}");
        assertThat(ids(r.get("choices").get(0).get("token_ids"))).hasSize(8).allMatch(id -> id >= 1500 && id <= 1502);
        assertThat(post(port, "/v1/completions", "{" + prompt + ", \"allowed_token_ids\": []}").status()).isEqualTo(400);
        assertThat(post(port, "/v1/completions", "{" + prompt + ", \"allowed_token_ids\": [99999999]}").status()).isEqualTo(400);
    }

    @Test
    void badWordsAreNeverCompleted() {
        String prompt = "\"prompt\": " + ids(golden("plain_once_upon").get("prompt_ids")) + ", \"max_tokens\": 6, \"temperature\": 0, \"ignore_eos\": true, \"return_token_ids\": true";
        JsonNode plain = ok("/v1/completions", "{" + prompt + "}").get("choices").get(0);
        List<Integer> ids = ids(plain.get("token_ids"));
        String word = Prompts.tokenString(engine.model().tokenizer(), ids.get(0)) + Prompts.tokenString(engine.model().tokenizer(), ids.get(1));
        List<int[]> banned = Processors.badWordIds(engine.model().tokenizer(), List.of(word));
        JsonNode r = ok("/v1/completions", "{" + prompt + ", \"bad_words\": " + Json.MAPPER.valueToTree(List.of(word)) + "}").get("choices").get(0);
        List<Integer> got = ids(r.get("token_ids"));
        for (int[] b : banned)
            for (int start = 0; start + b.length <= got.size(); start++) {
                boolean all = true;
                for (int j = 0; j < b.length; j++) all &= got.get(start + j) == b[j];
                assertThat(all).as("bad word %s at %d in %s", java.util.Arrays.toString(b), start, got).isFalse();
            }
        assertThat(got).isNotEqualTo(ids);
    }

    @Test
    void truncatePromptTokensKeepsTheLastTokens() {
        List<Integer> prompt = ids(golden("plain_french").get("prompt_ids"));
        String tail = prompt.subList(prompt.size() - 4, prompt.size()).toString();
        JsonNode cut = ok("/v1/completions", "{\"prompt\": " + prompt + ", \"truncate_prompt_tokens\": 4, \"max_tokens\": 5, \"temperature\": 0, \"return_token_ids\": true}");
        JsonNode want = ok("/v1/completions", "{\"prompt\": " + tail + ", \"max_tokens\": 5, \"temperature\": 0, \"return_token_ids\": true}");
        assertThat(cut.get("usage").get("prompt_tokens").asInt()).isEqualTo(4);
        assertThat(cut.get("choices").get(0).get("token_ids")).isEqualTo(want.get("choices").get(0).get("token_ids"));
        assertThat(cut.get("choices").get(0).get("prompt_token_ids").toString()).isEqualTo(tail.replace(" ", ""));
        assertThat(post(port, "/v1/completions", "{\"prompt\": " + prompt + ", \"truncate_prompt_tokens\": 0}").status()).isEqualTo(400);
        JsonNode chat = ok("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Bonjour à tous\"}], \"truncate_prompt_tokens\": 3, \"max_tokens\": 1}");
        assertThat(chat.get("usage").get("prompt_tokens").asInt()).isEqualTo(3);
    }
}
