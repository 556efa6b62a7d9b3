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

    /** A chat request with one user message: the given image URLs, then a question. */
    static String imageRequest(String... urls) {
        ObjectNode req = Json.object().put("model", "vlm").put("max_tokens", 2).put("temperature", 0);
        ArrayNode content = req.putArray("messages").addObject().put("role", "user").putArray("content");
        for (String u : urls) content.addObject().put("type", "image_url").putObject("image_url").put("url", u);
        content.addObject().put("type", "text").put("text", "What is this?");
        return req.toString();
    }

    static byte[] png(int w, int h) throws Exception {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 7 + y * 13) * 0x010203 & 0xffffff);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** A PNG that is only a signature and an IHDR chunk (valid CRC) declaring {@code w}×{@code h}, then IEND. */
    static byte[] pngHeader(int w, int h) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 25 + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] ihdr = java.nio.ByteBuffer.allocate(17).put("IHDR".getBytes()).putInt(w).putInt(h).put(new byte[] {8, 2, 0, 0, 0}).array();
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(ihdr);
        b.putInt(13).put(ihdr).putInt((int) crc.getValue());
        crc.reset();
        crc.update("IEND".getBytes());
        b.putInt(0).put("IEND".getBytes()).putInt((int) crc.getValue());
        return b.array();
    }

    /** Two frames of different colours: mistral-common (PIL) reads the first frame of an animated GIF. */
    static byte[] animatedGif() throws Exception {
        var writer = javax.imageio.ImageIO.getImageWritersByFormatName("gif").next();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var ios = javax.imageio.ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.prepareWriteSequence(null);
            for (int f = 0; f < 2; f++) {
                var img = new java.awt.image.BufferedImage(56, 28, java.awt.image.BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 28; y++) for (int x = 0; x < 56; x++) img.setRGB(x, y, f == 0 ? 0xff0000 : 0x0000ff);
                writer.writeToSequence(new javax.imageio.IIOImage(img, null, null), null);
            }
            writer.endWriteSequence();
        }
        return out.toByteArray();
    }

    static void assertStillServing() {
        assertThat(TestServer.get(port, "/health").status()).isEqualTo(200);
        TestServer.Response ok = post(port, "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 2}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    }

    static void assertBadImage(String url, String... messageParts) {
        TestServer.Response r = post(port, "/v1/chat/completions", imageRequest(url));
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        JsonNode err = r.json().get("error");
        assertThat(err.get("type").asText()).isEqualTo("BadRequestError");
        for (String part : messageParts) assertThat(err.get("message").asText()).as(r.body()).containsIgnoringCase(part);
    }

    @Test
    void badImagesAreClear400sAndTheServerKeepsServing() throws Exception {
        int before = encoded.size();
        byte[] good = png(56, 28);
        assertBadImage(dataUrl("image/png", java.util.Arrays.copyOf(good, good.length / 2)), "truncated", "png");           // truncated PNG
        byte[] jpeg = image("vision/images/public/a11_photo_168x112.jpg");
        byte[] corrupt = jpeg.clone();
        for (int i = 20; i < corrupt.length; i++) corrupt[i] = (byte) (i * 31);                                  // header kept, rest noise
        assertBadImage(dataUrl("image/jpeg", corrupt), "jpeg");
        assertBadImage("data:image/png;base64,@@not*base64@@", "base64");
        assertBadImage(dataUrl("image/png", pngHeader(20000, 20000)), "too large", "20000x20000");                                 // refused from the header
        assertBadImage(dataUrl("image/png", pngHeader(0, 28)), "no pixels", "0x28");                                        // zero width
        assertBadImage(dataUrl("application/pdf", "%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n".getBytes()), "not an image"); // not an image
        assertThat(encoded.size()).as("no bad image reaches the encoder").isEqualTo(before);
        assertStillServing();

        // An animated GIF is read as its first frame (PIL's Image.open + convert, as mistral-common): 2×1 tokens.
        TestServer.Response gif = post(port, "/v1/chat/completions", imageRequest(dataUrl("image/gif", animatedGif())));
        assertThat(gif.status()).as(gif.body()).isEqualTo(200);
        assertThat(encoded.subList(before, encoded.size())).containsExactly(2);
    }

    @Test
    void tooManyImagesAndTextOnlyModels() throws Exception {
        String url = dataUrl("image/png", png(28, 28));
        TestServer.Response r = post(port, "/v1/chat/completions", imageRequest(url, url, url));  // --limit-mm-per-prompt image=2
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().get("error").get("message").asText()).contains("At most 2 image");
        assertStillServing();

        // An image-token budget per request: 2 × (4×4) tokens of 112×112 images exceed a budget of 20, nothing is encoded.
        SiroccoServer budget = SiroccoServer.start(TestServer.config().servedModelNames(List.of("vlm")).maxImageTokens(20).build(), engine,
                img -> {
                    throw new AssertionError("no image may be encoded when the budget is exceeded");
                }, SiroccoServer.mistralGrammar());
        try {
            String big = dataUrl("image/png", png(112, 112));
            TestServer.Response b = post(budget.port(), "/v1/chat/completions", imageRequest(big, big));
            assertThat(b.status()).as(b.body()).isEqualTo(400);
            assertThat(b.json().get("error").get("message").asText()).contains("need 32 image tokens").contains("at most 20");
        } finally {
            budget.stop();
        }

        // The same model served without its encoder is text-only: images are refused, text still works.
        SiroccoServer textOnly = SiroccoServer.start(TestServer.config().servedModelNames(List.of("vlm")).build(), engine);
        try {
            TestServer.Response t = post(textOnly.port(), "/v1/chat/completions", imageRequest(url));
            assertThat(t.status()).as(t.body()).isEqualTo(400);
            assertThat(t.json().get("error").get("message").asText()).contains("does not accept image input");
            assertThat(post(textOnly.port(), "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 2}").status())
                    .isEqualTo(200);
        } finally {
            textOnly.stop();
        }
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
