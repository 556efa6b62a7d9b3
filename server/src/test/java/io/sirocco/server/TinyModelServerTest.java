package io.sirocco.server;

import static io.sirocco.server.TestServer.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.engine.BatchingEngine;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The continuous-batching engine on the synthetic mistral-tiny model: goldens through /v1/completions, grammar-forced chat. */
class TinyModelServerTest {
    static final double TAU = 1e-4;
    static WorkerPool pool;
    static BatchingEngine engine;
    static SiroccoServer server;
    static int port;

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
        engine = TestServer.batching(TestServer.tinyModel(), pool);
        server = SiroccoServer.start(TestServer.config().enableAutoToolChoice(true).toolCallParser("mistral").build(), engine);
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.stop();
        engine.close();
        pool.close();
    }

    @Test
    void greedyCompletionsMatchTheGoldens() throws Exception {
        JsonNode golden = Json.MAPPER.readTree(TestData.file("mistral-tiny/generation.json").toFile());
        int prompts = 0;
        for (JsonNode p : golden.get("prompts")) {
            String req = "{\"model\": \"tiny\", \"prompt\": " + p.get("prompt_ids") + ", \"max_tokens\": 24, \"temperature\": 0,"
                    + " \"logprobs\": 5, \"ignore_eos\": true, \"return_tokens_as_token_ids\": true}";
            JsonNode r = post(port, "/v1/completions", req).json();
            assertThat(r.has("choices")).as(r.toString()).isTrue();
            JsonNode lp = r.get("choices").get(0).get("logprobs");
            JsonNode steps = p.get("steps");
            assertThat(lp.get("tokens").size()).as(p.get("name").asText()).isEqualTo(steps.size());
            for (int i = 0; i < steps.size(); i++) {
                JsonNode s = steps.get(i);
                int id = Integer.parseInt(lp.get("tokens").get(i).asText().substring("token_id:".length()));
                double margin = s.get("margin_top1_top2").asDouble();
                if (margin < 2 * TAU) {
                    assertThat(id).isIn(s.get("top5").get(0).get(0).asInt(), s.get("top5").get(1).get(0).asInt());
                    break;
                }
                assertThat(id).as(p.get("name").asText() + " step " + i).isEqualTo(s.get("id").asInt());
                assertThat(lp.get("token_logprobs").get(i).asDouble()).isCloseTo(s.get("logprob").asDouble(), org.assertj.core.data.Offset.offset(TAU));
                JsonNode top = lp.get("top_logprobs").get(i);
                for (JsonNode t : s.get("top5"))
                    assertThat(top.get("token_id:" + t.get(0).asInt()).asDouble()).isCloseTo(t.get(1).asDouble(), org.assertj.core.data.Offset.offset(TAU));
            }
            assertThat(r.get("usage").get("prompt_tokens").asInt()).isEqualTo(p.get("prompt_ids").size());
            prompts++;
        }
        assertThat(prompts).isEqualTo(13);
    }

    /** The streamed completion of a request: the concatenated text of choice 0 and its token count. */
    static String streamedText(String body) {
        TestServer.Response r = post(port, "/v1/completions", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        StringBuilder text = new StringBuilder();
        for (JsonNode ev : Sse.events(r.body())) for (JsonNode c : ev.path("choices")) text.append(c.path("text").asText(""));
        return text.toString();
    }

    @Test
    void eightConcurrentStreamingClientsGetTheSingleClientOutputs() throws Exception {
        JsonNode golden = Json.MAPPER.readTree(TestData.file("mistral-tiny/generation.json").toFile());
        java.util.List<String> bodies = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            JsonNode p = golden.get("prompts").get(i);
            bodies.add("{\"prompt\": " + p.get("prompt_ids") + ", \"max_tokens\": " + (16 + i) + ", \"temperature\": 0,"
                    + " \"ignore_eos\": true, \"stream\": true, \"return_tokens_as_token_ids\": false}");
        }
        java.util.List<String> alone = bodies.stream().map(TinyModelServerTest::streamedText).toList();
        long steps0 = engine.steps();
        try (var clients = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            var futures = bodies.stream().map(b -> clients.submit(() -> {
                go.await();
                return streamedText(b);
            })).toList();
            go.countDown();
            for (int i = 0; i < 8; i++) assertThat(futures.get(i).get()).as("client " + i).isEqualTo(alone.get(i));
        }
        // Run one after another, the 8 requests take at least 16+…+23 = 156 decode steps; batched they share steps.
        assertThat(engine.steps() - steps0).as("engine steps for 156 generated tokens").isLessThan(156);
    }

    static final String WEATHER_TOOL = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather in a city\","
            + " \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"maxLength\": 12}}, \"required\": [\"city\"],"
            + " \"additionalProperties\": false}, \"strict\": true}}";

    @Test
    void toolChoiceAnyForcesAValidCall() throws Exception {
        // "required" and named choices allow text before the call (mistral-common's grammar); "any" allows calls only,
        // which a random-weight model cannot escape.
        String req = "{\"messages\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"}], \"tools\": [" + WEATHER_TOOL + "],"
                + " \"tool_choice\": \"any\", \"parallel_tool_calls\": false, \"temperature\": 0, \"max_tokens\": 200}";
        JsonNode r = post(port, "/v1/chat/completions", req).json();
        assertThat(r.has("choices")).as(r.toString()).isTrue();
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("finish_reason").asText()).as(r.toString()).isEqualTo("tool_calls");
        JsonNode call = c.get("message").get("tool_calls").get(0);
        assertThat(call.get("id").asText()).matches("[A-Za-z0-9]{9}");
        assertThat(call.get("function").get("name").asText()).isEqualTo("get_weather");
        JsonNode args = Json.MAPPER.readTree(call.get("function").get("arguments").asText());
        assertThat(args.get("city").isTextual()).isTrue();
    }

    @Test
    void jsonSchemaOutputValidates() throws Exception {
        String req = "{\"messages\": [{\"role\": \"user\", \"content\": \"Is it sunny?\"}], \"temperature\": 0, \"max_tokens\": 40,"
                + " \"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"answer\", \"schema\": {\"type\": \"object\","
                + " \"properties\": {\"sunny\": {\"type\": \"boolean\"}}, \"required\": [\"sunny\"], \"additionalProperties\": false}}}}";
        JsonNode r = post(port, "/v1/chat/completions", req).json();
        assertThat(r.has("choices")).as(r.toString()).isTrue();
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("finish_reason").asText()).as(r.toString()).isEqualTo("stop");
        JsonNode out = Json.MAPPER.readTree(c.get("message").get("content").asText());
        assertThat(out.get("sunny").isBoolean()).isTrue();
        assertThat(out.size()).isEqualTo(1);
    }
}
