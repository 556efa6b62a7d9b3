package io.sirocco.server;

import static io.sirocco.server.TestServer.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.engine.BatchingEngine;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import io.sirocco.vision.PixtralEncoder;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images end to end: the synthetic Pixtral VLM with its real encoder as the server's {@link ImageEmbedder}, on the
 * continuous-batching engine. The vision golden p14 through /v1/chat/completions; bad images are clear 400s.
 */
class VisionServerTest {
    /** The vision goldens' reference is float64; f32 math stays within this (README §0 allows 1e-4 for the embeddings). */
    static final double TAU = 1e-3;
    static WorkerPool pool;
    static BatchingEngine engine;
    static SiroccoServer server;
    static int port;
    /** Image tokens of every image the encoder was asked for, in order. */
    static final List<Integer> encoded = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
        Model model = TestServer.visionModel();
        PixtralEncoder enc = model.vision().orElseThrow();
        engine = TestServer.batching(model, pool);
        int dim = model.config().dim();
        ImageEmbedder embedder = img -> {
            float[] rows = enc.encode(List.of(img), pool).getFirst();
            if (rows.length != img.grid().imageTokens() * dim) throw new AssertionError("encoder returned " + rows.length + " values");
            encoded.add(img.grid().imageTokens());
            return rows;
        };
        server = SiroccoServer.start(TestServer.config().servedModelNames(List.of("vlm")).enableAutoToolChoice(true)
                .toolCallParser("mistral").maxImagesPerPrompt(2).build(), engine, embedder, SiroccoServer.mistralGrammar());
        port = server.port();
    }

    @AfterAll
    static void stop() {
        server.stop();
        engine.close();
        pool.close();
    }

    static String dataUrl(String mime, byte[] bytes) {
        return "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }

    static byte[] image(String relative) throws Exception {
        return Files.readAllBytes(TestData.file(relative));
    }

    @Test
    void goldenP14SystemAndImageThroughChat() throws Exception {
        JsonNode g = Json.MAPPER.readTree(TestData.file("vision/goldens/public/p14_chat_system_image.json").toFile());
        String url = dataUrl("image/png", image("vision/" + g.get("images").get(0).asText()));
        ObjectNode req = Json.object().put("model", "vlm").put("max_tokens", 16).put("temperature", 0).put("ignore_eos", true)
                .put("logprobs", true).put("top_logprobs", 5).put("return_tokens_as_token_ids", true);
        ArrayNode msgs = req.putArray("messages");
        msgs.addObject().put("role", "system").put("content", g.get("system").asText());
        ArrayNode content = msgs.addObject().put("role", "user").putArray("content");
        content.addObject().put("type", "image_url").putObject("image_url").put("url", url);
        content.addObject().put("type", "text").put("text", g.get("user_text").asText());

        // The prompt is mistral-common's 229 positions (16×12 image tokens + 11 breaks + [IMG_END] + text).
        ObjectNode tokenize = req.deepCopy();
        JsonNode t = post(port, "/tokenize", tokenize.toString()).json();
        assertThat(t.get("tokens")).as(t.toString()).isEqualTo(g.get("prompt_tokens_mistral_common"));

        int before = encoded.size();
        TestServer.Response resp = post(port, "/v1/chat/completions", req.toString());
        assertThat(resp.status()).as(resp.body()).isEqualTo(200);
        JsonNode r = resp.json();
        assertThat(r.get("usage").get("prompt_tokens").asInt()).isEqualTo(g.get("prompt_token_count_mistral_common").asInt());
        assertThat(r.get("usage").get("completion_tokens").asInt()).isEqualTo(16);
        assertThat(encoded.subList(before, encoded.size())).containsExactly(16 * 12);

        JsonNode got = r.get("choices").get(0).get("logprobs").get("content");
        JsonNode steps = g.get("reference").get("steps");
        assertThat(got.size()).isEqualTo(steps.size());
        int compared = 0;
        for (int i = 0; i < steps.size(); i++) {
            JsonNode s = steps.get(i), e = got.get(i);
            int id = idOf(e.get("token").asText());
            JsonNode top5 = s.get("top5");
            for (JsonNode cand : top5) {
                JsonNode mine = findTop(e.get("top_logprobs"), cand.get(0).asInt());
                assertThat(mine).as("step %d: id %s not among the top logprobs %s", i, cand.get(0), e.get("top_logprobs")).isNotNull();
                assertThat(mine.get("logprob").asDouble()).as("step %d id %s", i, cand.get(0)).isCloseTo(cand.get(1).asDouble(), offset(TAU));
            }
            if (s.get("margin_top1_top2").asDouble() < 2 * TAU) {  // near tie: either token, then the paths may part
                assertThat(id).isIn(top5.get(0).get(0).asInt(), top5.get(1).get(0).asInt());
                break;
            }
            assertThat(id).as("step " + i).isEqualTo(s.get("id").asInt());
            compared++;
        }
        assertThat(compared).isEqualTo(16);
    }

    static int idOf(String token) {
        assertThat(token).startsWith("token_id:");
        return Integer.parseInt(token.substring("token_id:".length()));
    }

    static JsonNode findTop(JsonNode tops, int id) {
        for (JsonNode t : tops) if (idOf(t.get("token").asText()) == id) return t;
        return null;
    }
}
