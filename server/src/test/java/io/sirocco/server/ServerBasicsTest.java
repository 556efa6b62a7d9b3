package io.sirocco.server;

import static io.sirocco.server.TestServer.get;
import static io.sirocco.server.TestServer.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.tokenizer.Tokenizer;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP skeleton, the info endpoints, /v1/completions and the error classes, on a scripted engine. */
class ServerBasicsTest {
    static FakeEngine engine;
    static SiroccoServer server;
    static Tokenizer tok;
    static int port;
    static final String ANSWER = "Hello world, this is Sirocco.";

    @BeforeAll
    static void start() {
        tok = TestServer.tinyModel().tokenizer();
        engine = new FakeEngine(TestServer.tinyModel(), r -> answer());
        server = SiroccoServer.start(TestServer.config().maxPendingRequests(8).maxRequestBytes(1 << 20).build(), engine);
        port = server.port();
    }

    static int[] answer() {
        int[] t = tok.encode(ANSWER);
        int[] out = java.util.Arrays.copyOf(t, t.length + 1);
        out[t.length] = tok.eosId();
        return out;
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @BeforeEach
    void reset() {
        engine.hang = false;
        engine.stepDelayMillis = 0;
        engine.script = r -> answer();
    }

    @Test
    void infoEndpoints() {
        assertThat(get(port, "/health").status()).isEqualTo(200);
        assertThat(get(port, "/version").json().get("version").asText()).isNotEmpty();
        JsonNode models = get(port, "/v1/models").json();
        assertThat(models.get("object").asText()).isEqualTo("list");
        assertThat(models.get("data").get(0).get("id").asText()).isEqualTo("tiny");
        assertThat(models.get("data").get(0).get("max_model_len").asInt()).isEqualTo(Api.FALLBACK_CONTEXT);
        assertThat(get(port, "/nope").status()).isEqualTo(404);
        assertThat(post(port, "/v1/models", "{}").status()).isEqualTo(405);
    }

    @Test
    void tokenizeAndDetokenize() {
        JsonNode t = post(port, "/tokenize", "{\"prompt\": \"Hello world\", \"return_token_strs\": true}").json();
        int[] expected = tok.encode("Hello world");
        assertThat(t.get("count").asInt()).isEqualTo(expected.length + 1);
        assertThat(t.get("tokens").get(0).asInt()).isEqualTo(tok.bosId());
        StringBuilder joined = new StringBuilder();
        for (int i = 1; i < t.get("token_strs").size(); i++) joined.append(t.get("token_strs").get(i).asText());
        assertThat(joined.toString()).isEqualTo("Hello world");
        JsonNode d = post(port, "/detokenize", "{\"tokens\": " + t.get("tokens") + "}").json();
        assertThat(d.get("prompt").asText()).isEqualTo("Hello world");
        JsonNode chat = post(port, "/tokenize", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}").json();
        List<Integer> ids = new ArrayList<>();
        chat.get("tokens").forEach(n -> ids.add(n.asInt()));
        assertThat(ids).startsWith(1, 3).endsWith(4);  // <s>[INST] Hi [/INST]
    }

    @Test
    void completionWithTextPrompt() {
        JsonNode r = post(port, "/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"Say hi\", \"max_tokens\": 50}").json();
        assertThat(r.get("object").asText()).isEqualTo("text_completion");
        assertThat(r.get("id").asText()).startsWith("cmpl-");
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("text").asText()).isEqualTo(ANSWER);
        assertThat(c.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(c.get("stop_reason").isNull()).isTrue();
        int promptLen = tok.encode("Say hi").length + 1;
        assertThat(r.get("usage").get("prompt_tokens").asInt()).isEqualTo(promptLen);
        assertThat(r.get("usage").get("completion_tokens").asInt()).isEqualTo(answer().length);
        assertThat(engine.requests.getLast().promptTokens()[0]).isEqualTo(tok.bosId());
    }

    @Test
    void completionDefaultsToSixteenTokensAndLength() {
        engine.script = r -> { int[] a = new int[40]; java.util.Arrays.fill(a, 1100); return a; };
        JsonNode r = post(port, "/v1/completions", "{\"prompt\": [1, 1100, 1200]}").json();
        assertThat(r.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
        assertThat(r.get("usage").get("completion_tokens").asInt()).isEqualTo(16);
        assertThat(engine.requests.getLast().promptTokens()).containsExactly(1, 1100, 1200);
    }

    @Test
    void stopStringsTruncateAndReport() {
        JsonNode r = post(port, "/v1/completions", "{\"prompt\": \"x\", \"stop\": [\"this\"], \"max_tokens\": 50}").json();
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("text").asText()).isEqualTo("Hello world, ");
        assertThat(c.get("finish_reason").asText()).isEqualTo("stop");
        assertThat(c.get("stop_reason").asText()).isEqualTo("this");
    }

    @Test
    void logprobsEchoAndTokenIds() {
        JsonNode r = post(port, "/v1/completions", "{\"prompt\": \"Hi\", \"logprobs\": 2, \"echo\": true, \"return_tokens_as_token_ids\": true, \"max_tokens\": 3}").json();
        JsonNode c = r.get("choices").get(0);
        assertThat(c.get("text").asText()).startsWith("Hi");
        JsonNode lp = c.get("logprobs");
        int promptLen = tok.encode("Hi").length + 1;
        assertThat(lp.get("tokens").size()).isEqualTo(promptLen + 3);
        assertThat(lp.get("token_logprobs").get(0).isNull()).isTrue();
        assertThat(lp.get("tokens").get(promptLen).asText()).isEqualTo("token_id:" + answer()[0]);
        assertThat(lp.get("token_logprobs").get(promptLen).asDouble()).isEqualTo(-0.5);
        assertThat(lp.get("top_logprobs").get(promptLen).size()).isEqualTo(2);
    }

    @Test
    void streamingCompletion() {
        String body = post(port, "/v1/completions", "{\"prompt\": \"x\", \"stream\": true, \"stream_options\": {\"include_usage\": true}, \"max_tokens\": 50}").body();
        List<JsonNode> events = Sse.events(body);
        StringBuilder text = new StringBuilder();
        for (JsonNode e : events.subList(0, events.size() - 1)) text.append(e.get("choices").get(0).get("text").asText());
        assertThat(text.toString()).isEqualTo(ANSWER);
        assertThat(events.get(events.size() - 2).get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = events.getLast();
        assertThat(usage.get("choices").size()).isZero();
        assertThat(usage.get("usage").get("completion_tokens").asInt()).isEqualTo(answer().length);
        assertThat(body).endsWith("data: [DONE]\n\n");
    }

    @Test
    void errorClasses() {
        var r = post(port, "/v1/completions", "{\"model\": \"gpt-9\", \"prompt\": \"x\"}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").get("message").asText()).isEqualTo("The model `gpt-9` does not exist.");
        r = post(port, "/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": -1}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").get("param").asText()).isEqualTo("max_tokens");
        assertThat(r.json().get("error").get("code").asInt()).isEqualTo(400);
        r = post(port, "/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 40000}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").get("message").asText()).contains("maximum context length");
        r = post(port, "/v1/completions", "{bad json");
        assertThat(r.status()).isEqualTo(400);
        r = post(port, "/v1/completions", "{\"prompt\": \"x\", \"temperature\": \"hot\"}");
        assertThat(r.json().get("error").get("param").asText()).isEqualTo("temperature");
        r = post(port, "/v1/completions", "{\"prompt\": [1, 99999999]}");
        assertThat(r.status()).isEqualTo(400);
        r = post(port, "/v1/completions", "{\"prompt\": \"" + "a".repeat(1 << 20) + "\"}");
        assertThat(r.status()).isEqualTo(413);
    }

    @Test
    void apiKey() {
        SiroccoServer keyed = SiroccoServer.start(TestServer.config().apiKey("sekret").build(), engine);
        try {
            int p = keyed.port();
            assertThat(get(p, "/v1/models").status()).isEqualTo(401);
            assertThat(get(p, "/health").status()).isEqualTo(200);
            var ok = TestServer.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p + "/v1/models"))
                    .header("Authorization", "Bearer sekret").GET().build());
            assertThat(ok.status()).isEqualTo(200);
        } finally {
            keyed.stop();
        }
    }

    @Test
    void overloadGives503() throws Exception {
        engine.hang = true;
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) clients.add(Thread.ofVirtual().start(() -> post(port, "/v1/completions", "{\"prompt\": \"x\"}")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (engine.running.get() < 8 && System.nanoTime() < deadline) Thread.sleep(10);
        var r = post(port, "/v1/completions", "{\"prompt\": \"x\"}");
        assertThat(r.status()).isEqualTo(503);
        engine.hang = false;
        for (Thread t : clients) t.join(5000);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (engine.running.get() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(engine.running.get()).isZero();
    }

    @Test
    void disconnectCancelsTheEngineRequestAtOnce() throws Exception {
        engine.hang = true;
        engine.started = new java.util.concurrent.CountDownLatch(1);
        int before = engine.cancelled.get();
        String body = "{\"prompt\": \"x\", \"max_tokens\": 10}";
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(engine.started.await(5, TimeUnit.SECONDS)).isTrue();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (engine.cancelled.get() == before && System.nanoTime() < deadline) Thread.sleep(5);
        assertThat(engine.cancelled.get()).isEqualTo(before + 1);
        engine.hang = false;
        // and the server still answers
        assertThat(post(port, "/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 50}").json().get("choices").get(0).get("text").asText()).isEqualTo(ANSWER);
    }

    @Test
    void metricsUseVllmNames() {
        post(port, "/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 50}");
        String m = get(port, "/metrics").body();
        assertThat(m).contains("vllm:num_requests_running{model_name=\"tiny\"}", "vllm:num_requests_waiting{model_name=\"tiny\"}",
                "vllm:prompt_tokens_total{model_name=\"tiny\"}", "vllm:generation_tokens_total{model_name=\"tiny\"}",
                "vllm:request_success_total{finished_reason=\"stop\",model_name=\"tiny\"}",
                "vllm:time_to_first_token_seconds_bucket", "vllm:e2e_request_latency_seconds_count", "vllm:kv_cache_usage_perc");
    }
}
