package io.sirocco.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageParam;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionTool;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import io.sirocco.engine.BatchingEngine;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.testing.TestData;
import io.sirocco.vision.PixtralEncoder;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Mistral Small 3.2 model card's three examples (the requests of chat/public.jsonl tagged model_card: their images
 * are generated PNG/JPEG files; the map of the multi-turn example is replaced by a smaller one to keep the suite fast) through the official OpenAI Java client, on the synthetic VLM with its real Pixtral
 * encoder and the continuous-batching engine. Random weights make the words meaningless, so the structure is checked:
 * the images reach the encoder with the golden's token grid, forced tool calls come out as tool calls, and usage
 * agrees with /tokenize.
 */
class ModelCardTest {
    static WorkerPool pool;
    static BatchingEngine engine;
    static SiroccoServer server;
    static OpenAIClient client;
    static int port;
    static final List<Integer> encoded = new CopyOnWriteArrayList<>();
    static final JsonMapper CLIENT_JSON = ObjectMappers.jsonMapper();

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
        Model model = TestServer.visionModel();
        PixtralEncoder enc = model.vision().orElseThrow();
        engine = TestServer.batching(model, pool);
        ImageEmbedder embedder = img -> {
            encoded.add(img.grid().imageTokens());
            return enc.encode(List.of(img), pool).getFirst();
        };
        server = SiroccoServer.start(TestServer.config().servedModelNames(List.of("mistral-small-3.2")).enableAutoToolChoice(true)
                .toolCallParser("mistral").build(), engine, embedder, SiroccoServer.mistralGrammar());
        port = server.port();
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey("none").maxRetries(0)
                .timeout(java.time.Duration.ofSeconds(120)).build();
    }

    @AfterAll
    static void stop() {
        server.stop();
        engine.close();
        pool.close();
    }

    /**
     * The request with its tools marked {@code strict}: Mistral's grammar constrains a call's name and arguments only for
     * strict tools (otherwise any name and any object, as mistral-common), and a random model needs the constraint.
     */
    static JsonNode strictTools(JsonNode request) {
        com.fasterxml.jackson.databind.node.ObjectNode r = request.deepCopy();
        for (JsonNode t : r.path("tools")) ((com.fasterxml.jackson.databind.node.ObjectNode) t.get("function")).put("strict", true);
        return r;
    }

    /**
     * The request with every image replaced by {@code url}: the card's 1200×1000 map is 1548 image tokens (6192
     * patches through the tower), too slow for the normal suite; the conversation's structure stays the same.
     */
    static JsonNode withImage(JsonNode request, String url) {
        com.fasterxml.jackson.databind.node.ObjectNode r = request.deepCopy();
        for (JsonNode m : r.get("messages"))
            for (JsonNode part : m.path("content"))
                if (part.path("type").asText().equals("image_url")) ((com.fasterxml.jackson.databind.node.ObjectNode) part.get("image_url")).put("url", url);
        return r;
    }

    /** A generated 280×196 map stand-in: 10×7 image tokens. */
    static final String SMALL_MAP = smallMap();
    static final int SMALL_MAP_TOKENS = 10 * 7;

    private static String smallMap() {
        try {
            var img = new java.awt.image.BufferedImage(280, 196, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 196; y++) for (int x = 0; x < 280; x++) img.setRGB(x, y, x < 180 ? 0x4a8f3c : 0x2d5aa0);
            var out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", out);
            return "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The v11 record of a model-card case. */
    static JsonNode golden(String caseName) throws Exception {
        for (String line : Files.readAllLines(TestData.file("chat/public.jsonl"))) {
            JsonNode n = Json.MAPPER.readTree(line);
            if (n.get("id").asText().equals(caseName + "@v11")) return n;
        }
        throw new AssertionError("no golden " + caseName);
    }

    /** The golden's messages and tools as the client's own types (as an application would build them). */
    static ChatCompletionCreateParams.Builder params(JsonNode request) throws Exception {
        ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model("mistral-small-3.2");
        for (JsonNode m : request.get("messages")) b.addMessage(CLIENT_JSON.readValue(m.toString(), ChatCompletionMessageParam.class));
        if (request.has("tools"))
            for (JsonNode t : request.get("tools")) b.addTool(CLIENT_JSON.readValue(t.toString(), ChatCompletionTool.class));
        return b;
    }

    /** Prompt tokens of the request as /tokenize (chat form) counts them. */
    static int tokenizeCount(JsonNode request) {
        JsonNode t = TestServer.post(port, "/tokenize", request.toString()).json();
        assertThat(t.has("count")).as(t.toString()).isTrue();
        return t.get("count").asInt();
    }

    static int gridTokens(JsonNode golden) {
        JsonNode wh = golden.get("request_images").get(0).get("token_grid_wh");
        return wh.get(0).asInt() * wh.get(1).asInt();
    }

    @Test
    void pokemonBattleImageQuestion() throws Exception {
        JsonNode g = golden("mc_pokemon_battle");
        int before = encoded.size();
        ChatCompletion c = client.chat().completions().create(params(g.get("request")).temperature(0.15).maxTokens(8).seed(7L).build());
        assertThat(encoded.subList(before, encoded.size())).containsExactly(gridTokens(g));  // 19×14 for 512×384
        var choice = c.choices().get(0);
        assertThat(choice.finishReason().asString()).isIn("length", "stop");
        assertThat(choice.message().toolCalls().orElse(List.of())).isEmpty();
        assertThat(c.usage().get().promptTokens()).isEqualTo(tokenizeCount(g.get("request")));
        assertThat(c.usage().get().completionTokens()).isBetween(1L, 8L);
        assertThat(c.usage().get().totalTokens()).isEqualTo(c.usage().get().promptTokens() + c.usage().get().completionTokens());
    }

    /** What a streamed answer said: the first tool call's name and argument text, the finish reason, usage. */
    record Streamed(String name, String arguments, String finish, long promptTokens, long completionTokens, int toolCallChunks) {}

    /**
     * Streams the request. Tool arguments are free strings in the model card's schemas, which a random-weight model
     * may not close within max_tokens: streaming shows the forced call (name, then the start of the JSON arguments)
     * either way.
     */
    static Streamed stream(ChatCompletionCreateParams params, boolean textAllowed) {
        String[] name = {null};
        StringBuilder args = new StringBuilder();
        String[] finish = {null};
        long[] usage = {-1, -1};
        int[] chunks = {0};
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
            s.stream().forEach(ch -> {
                ch.usage().ifPresent(u -> {
                    usage[0] = u.promptTokens();
                    usage[1] = u.completionTokens();
                });
                for (var c : ch.choices()) {
                    if (!textAllowed) assertThat(c.delta().content().orElse("")).as("text outside the forced call").isEmpty();
                    c.delta().toolCalls().ifPresent(list -> list.forEach(tc -> {
                        chunks[0]++;
                        assertThat(tc.index()).isZero();
                        tc.function().flatMap(f -> f.name()).ifPresent(v -> name[0] = v);
                        tc.function().flatMap(f -> f.arguments()).ifPresent(args::append);
                    }));
                    c.finishReason().ifPresent(f -> finish[0] = f.asString());
                }
            });
        }
        return new Streamed(name[0], args.toString(), finish[0], usage[0], usage[1], chunks[0]);
    }

    static final ChatCompletionStreamOptions USAGE = ChatCompletionStreamOptions.builder().includeUsage(true).build();

    @Test
    void calculatorToolForced() throws Exception {
        JsonNode g = golden("mc_calculator");
        JsonNode request = strictTools(g.get("request"));
        int before = encoded.size();
        // "any" (Mistral's name for a call-only answer) forces the tool path: a random model cannot write text instead.
        Streamed r = stream(params(request).temperature(0.0).maxTokens(40).streamOptions(USAGE)
                .toolChoice(ChatCompletionToolChoiceOption.ofAuto(ChatCompletionToolChoiceOption.Auto.of("any"))).build(), false);
        assertThat(encoded.subList(before, encoded.size())).containsExactly(gridTokens(g));  // 23×18 for the 640×480 JPEG
        assertThat(r.name()).isEqualTo("my_calculator");
        assertThat(r.arguments().strip()).startsWith("{");  // the schema allows other keys and whitespace: random weights use both
        assertThat(r.finish()).isIn("tool_calls", "length");
        if (r.finish().equals("tool_calls")) assertThat(Json.MAPPER.readTree(r.arguments()).get("expression").isTextual()).isTrue();
        assertThat(r.promptTokens()).isEqualTo(tokenizeCount(request));
        assertThat(r.completionTokens()).isBetween(1L, 40L);
    }

    @Test
    void rewriteRoundTripThenMapQuestionThenPopulationCall() throws Exception {
        // Stage 1 of the card's conversation: rewrite call + its result + answer, then the map image and the question
        // ("any": either tool).
        JsonNode g = golden("mc_rewrite_map_s1");
        JsonNode request = strictTools(withImage(g.get("request"), SMALL_MAP));
        int before = encoded.size();
        Streamed r1 = stream(params(request).temperature(0.0).maxTokens(28).streamOptions(USAGE)
                .putAdditionalBodyProperty("tool_choice", JsonValue.from("any")).build(), false);
        assertThat(encoded.subList(before, encoded.size())).containsExactly(SMALL_MAP_TOKENS);
        assertThat(r1.name()).isIn("get_current_population", "rewrite");
        assertThat(r1.promptTokens()).isEqualTo(tokenizeCount(request));
        assertThat(r1.completionTokens()).isBetween(1L, 28L);

        // Stage 2: + the "Russia" answer and the population question; the named choice forces get_current_population.
        // The map is the same image: the encoder's cache (or ours) must not matter for the structure.
        JsonNode g2 = golden("mc_rewrite_map_s2");
        var named = ChatCompletionNamedToolChoice.builder().function(ChatCompletionNamedToolChoice.Function.builder().name("get_current_population").build()).build();
        // A named choice allows text before the call (mistral-common's grammar), so the call need not come within
        // max_tokens; when it comes it must be the named function, with JSON arguments.
        JsonNode request2 = strictTools(withImage(g2.get("request"), SMALL_MAP));
        Streamed r = stream(params(request2).temperature(0.0).maxTokens(40).streamOptions(USAGE).toolChoice(named).build(), true);
        assertThat(r.finish()).isIn("tool_calls", "length");
        if (r.name() != null) {
            assertThat(r.name()).isEqualTo("get_current_population");
            assertThat(r.arguments().strip()).startsWith("{");
        }
        assertThat(r.promptTokens()).isEqualTo(tokenizeCount(request2));

        // Stage 3: + the model's get_current_population call and its result: the encoder sees the map once per request.
        JsonNode request3 = withImage(golden("mc_rewrite_map_s3").get("request"), SMALL_MAP);
        before = encoded.size();
        ChatCompletion c3 = client.chat().completions().create(params(request3).temperature(0.0).maxTokens(4).build());
        assertThat(encoded.subList(before, encoded.size())).containsExactly(SMALL_MAP_TOKENS);
        assertThat(c3.usage().get().promptTokens()).isEqualTo(tokenizeCount(request3));
    }
}
