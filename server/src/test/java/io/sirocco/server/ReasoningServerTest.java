package io.sirocco.server;

import static io.sirocco.server.TestServer.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.engine.BatchingEngine;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import io.sirocco.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reasoning (Mistral Small 4, tokenizer v15): reasoning_effort through /v1/chat/completions on the synthetic Small 4
 * model (prompts = mistral-common's v15 encoding, greedy = the goldens), and the [THINK] streaming shape with a
 * scripted engine.
 */
class ReasoningServerTest {
    static final double TAU = 1e-3;
    static WorkerPool pool;
    static BatchingEngine engine;
    static SiroccoServer server;
    static int port;

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
        engine = TestServer.batching(TestServer.small4Model(), pool);
        server = SiroccoServer.start(TestServer.config().servedModelNames(List.of("small4")).reasoningParser("mistral").build(), engine);
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.stop();
        engine.close();
        pool.close();
    }

    static JsonNode golden(String name) throws Exception {
        for (JsonNode p : Json.MAPPER.readTree(TestData.file("mistral-small4/generation.json").toFile()).get("prompts"))
            if (p.get("name").asText().equals(name)) return p;
        throw new AssertionError(name);
    }

    @Test
    void effortHighAndNoneMatchTheV15EncodingAndTheGoldens() throws Exception {
        for (String name : List.of("chat_effort_high", "chat_effort_none")) {
            JsonNode g = golden(name);
            ObjectNode req = ((ObjectNode) g.get("request")).deepCopy();
            assertThat(req.get("reasoning_effort").asText()).isIn("high", "none");

            JsonNode t = post(port, "/tokenize", req.toString()).json();
            assertThat(t.get("tokens")).as(name + ": " + t).isEqualTo(g.get("prompt_ids"));  // [MODEL_SETTINGS]{"reasoning_effort": …}

            req.put("max_tokens", 24).put("temperature", 0).put("ignore_eos", true).put("logprobs", true).put("top_logprobs", 5)
                    .put("return_tokens_as_token_ids", true);
            TestServer.Response resp = post(port, "/v1/chat/completions", req.toString());
            assertThat(resp.status()).as(resp.body()).isEqualTo(200);
            JsonNode r = resp.json();
            assertThat(r.get("usage").get("prompt_tokens").asInt()).isEqualTo(g.get("prompt_ids").size());
            JsonNode got = r.get("choices").get(0).get("logprobs").get("content");
            JsonNode steps = g.get("steps");
            assertThat(got.size()).isEqualTo(24);
            for (int i = 0; i < steps.size(); i++) {
                JsonNode s = steps.get(i), e = got.get(i);
                for (JsonNode cand : s.get("top5")) {
                    JsonNode mine = VisionServerTest.findTop(e.get("top_logprobs"), cand.get(0).asInt());
                    assertThat(mine).as("%s step %d id %s", name, i, cand.get(0)).isNotNull();
                    assertThat(mine.get("logprob").asDouble()).isCloseTo(cand.get(1).asDouble(), offset(TAU));
                }
                int id = VisionServerTest.idOf(e.get("token").asText());
                if (s.get("margin_top1_top2").asDouble() < 2 * TAU) {
                    assertThat(id).isIn(s.get("top5").get(0).get(0).asInt(), s.get("top5").get(1).get(0).asInt());
                    break;
                }
                assertThat(id).as(name + " step " + i).isEqualTo(s.get("id").asInt());
            }

            // Streaming gives the same text, split the same way into reasoning and content.
            JsonNode message = r.get("choices").get(0).get("message");
            req.remove(List.of("logprobs", "top_logprobs", "return_tokens_as_token_ids"));
            req.put("stream", true);
            Streamed s = stream(port, req.toString());
            assertThat(s.content()).isEqualTo(message.get("content").asText());
            assertThat(s.reasoning()).isEqualTo(message.path("reasoning").asText(""));
            assertThat(s.finish()).isEqualTo("length");
        }
    }

    /** The concatenated deltas of a streamed chat answer (choice 0) and the kinds of delta in order. */
    record Streamed(String content, String reasoning, String reasoningContent, String finish, List<String> kinds) {}

    static Streamed stream(int port, String body) {
        TestServer.Response r = post(port, "/v1/chat/completions", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        StringBuilder content = new StringBuilder(), reasoning = new StringBuilder(), reasoningContent = new StringBuilder();
        String finish = null;
        List<String> kinds = new ArrayList<>();
        for (JsonNode chunk : Sse.events(r.body())) {
            for (JsonNode c : chunk.path("choices")) {
                JsonNode d = c.get("delta");
                if (d.hasNonNull("reasoning")) {
                    reasoning.append(d.get("reasoning").asText());
                    if (kinds.isEmpty() || !kinds.getLast().equals("reasoning")) kinds.add("reasoning");
                }
                if (d.hasNonNull("reasoning_content")) reasoningContent.append(d.get("reasoning_content").asText());
                if (d.hasNonNull("content") && !d.get("content").asText().isEmpty()) {
                    content.append(d.get("content").asText());
                    if (kinds.isEmpty() || !kinds.getLast().equals("content")) kinds.add("content");
                }
                if (c.hasNonNull("finish_reason")) finish = c.get("finish_reason").asText();
            }
        }
        return new Streamed(content.toString(), reasoning.toString(), reasoningContent.toString(), finish, kinds);
    }

    @Test
    void thinkThenAnswerStreamsReasoningDeltasThenContent() {
        Model small4 = TestServer.small4Model();
        Tokenizer tok = small4.tokenizer();
        int think = tok.specialId("[THINK]").orElseThrow(), endThink = tok.specialId("[/THINK]").orElseThrow();
        String thought = "The user greets me; reply kindly.", answer = "Hello there!";
        int[] script = IntStream.concat(IntStream.concat(IntStream.of(think), IntStream.of(tok.encode(thought))),
                IntStream.concat(IntStream.of(endThink), IntStream.of(ChatScript.withEos(tok, tok.encode(answer))))).toArray();
        FakeEngine fake = new FakeEngine(small4, r -> script);
        SiroccoServer s = SiroccoServer.start(TestServer.config().servedModelNames(List.of("small4")).reasoningParser("mistral").build(), fake);
        try {
            String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"reasoning_effort\": \"high\"";
            Streamed st = stream(s.port(), body + ", \"stream\": true}");
            assertThat(st.kinds()).containsExactly("reasoning", "content");
            assertThat(st.reasoning()).isEqualTo(thought);
            assertThat(st.reasoningContent()).as("older clients' field name, sent alongside").isEqualTo(thought);
            assertThat(st.content()).isEqualTo(answer);
            assertThat(st.finish()).isEqualTo("stop");

            JsonNode msg = post(s.port(), "/v1/chat/completions", body + "}").json().get("choices").get(0).get("message");
            assertThat(msg.get("reasoning").asText()).isEqualTo(thought);
            assertThat(msg.get("reasoning_content").asText()).isEqualTo(thought);
            assertThat(msg.get("content").asText()).isEqualTo(answer);

            // Without --reasoning-parser the thinking stays in the content (as vLLM), markers dropped.
            SiroccoServer plain = SiroccoServer.start(TestServer.config().servedModelNames(List.of("small4")).build(), fake);
            try {
                Streamed p = stream(plain.port(), body + ", \"stream\": true}");
                assertThat(p.reasoning()).isEmpty();
                assertThat(p.content()).isEqualTo(thought + answer);
            } finally {
                plain.stop();
            }
        } finally {
            s.stop();
        }
    }
}
