package io.sirocco.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import io.sirocco.tokenizer.Tokenizer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java client against the server (scripted engine, real tokenizer and chat encoding). */
class OpenAiClientTest {
    static FakeEngine engine;
    static SiroccoServer server;
    static OpenAIClient client;
    static Tokenizer tok;
    static int port;

    @BeforeAll
    static void start() {
        tok = TestServer.tinyModel().tokenizer();
        engine = new FakeEngine(TestServer.tinyModel(), r -> ChatScript.answer(tok, r));
        int dim = TestServer.tinyModel().config().dim();
        ImageEmbedder fakeVision = img -> new float[img.grid().imageTokens() * dim];
        server = SiroccoServer.start(TestServer.config().enableAutoToolChoice(true).toolCallParser("mistral").maxImagesPerPrompt(2).build(),
                engine, fakeVision, SiroccoServer.mistralGrammar());
        port = server.port();
        client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + port + "/v1").apiKey("none").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void plainChat() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny")
                .addSystemMessage("Be brief.").addUserMessage("Hi").temperature(0.0).build());
        assertThat(c.choices().get(0).message().content()).hasValue(ChatScript.ANSWER);
        assertThat(c.choices().get(0).finishReason().asString()).isEqualTo("stop");
        long prompt = c.usage().get().promptTokens();
        var tokenized = TestServer.post(port, "/tokenize",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]}").json();
        assertThat(prompt).isEqualTo(tokenized.get("count").asLong());
        assertThat(c.usage().get().completionTokens()).isEqualTo(tok.encode(ChatScript.ANSWER).length + 1);
    }

    @Test
    void streamingChatWithUsage() {
        StringBuilder text = new StringBuilder();
        String[] finish = {null};
        long[] usage = {-1};
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("tiny").addUserMessage("Hi").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(ch -> {
                ch.usage().ifPresent(u -> usage[0] = u.completionTokens());
                for (var choice : ch.choices()) {
                    choice.delta().content().ifPresent(text::append);
                    choice.finishReason().ifPresent(f -> finish[0] = f.asString());
                }
            });
        }
        assertThat(text.toString()).isEqualTo(ChatScript.ANSWER);
        assertThat(finish[0]).isEqualTo("stop");
        assertThat(usage[0]).isEqualTo(tok.encode(ChatScript.ANSWER).length + 1);
    }

    static FunctionDefinition weather() {
        return FunctionDefinition.builder().name("get_weather").description("Weather in a city")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city"))).build()).build();
    }

    @Test
    void toolCallRoundTrip() {
        ChatCompletionCreateParams.Builder b = ChatCompletionCreateParams.builder().model("tiny").addUserMessage("Weather in Paris?")
                .addFunctionTool(weather())
                .toolChoice(ChatCompletionNamedToolChoice.builder().function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build()).build());
        ChatCompletion first = client.chat().completions().create(b.build());
        var choice = first.choices().get(0);
        assertThat(choice.finishReason().asString()).isEqualTo("tool_calls");
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().get().get(0).asFunction();
        assertThat(call.id()).matches("[A-Za-z0-9]{9}");
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(call.function().arguments()).isEqualTo(ChatScript.ARGS);
        ChatCompletion second = client.chat().completions().create(b.addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("{\"sky\": \"clear\"}").build())
                .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.AUTO).build());
        assertThat(second.choices().get(0).message().content()).hasValue(ChatScript.AFTER_TOOL);
        assertThat(second.choices().get(0).finishReason().asString()).isEqualTo("stop");
    }

    @Test
    void streamingToolCall() {
        StringBuilder args = new StringBuilder();
        String[] name = {null};
        String[] id = {null};
        String[] finish = {null};
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("tiny").addUserMessage("Weather?").addFunctionTool(weather())
                .toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.REQUIRED).build())) {
            s.stream().forEach(ch -> {
                for (var c : ch.choices()) {
                    c.delta().toolCalls().ifPresent(list -> list.forEach(tc -> {
                        assertThat(tc.index()).isZero();
                        tc.id().ifPresent(v -> id[0] = v);
                        tc.function().flatMap(f -> f.name()).ifPresent(v -> name[0] = v);
                        tc.function().flatMap(f -> f.arguments()).ifPresent(args::append);
                    }));
                    c.finishReason().ifPresent(f -> finish[0] = f.asString());
                }
            });
        }
        assertThat(name[0]).isEqualTo("get_weather");
        assertThat(id[0]).matches("[A-Za-z0-9]{9}");
        assertThat(args.toString()).isEqualTo(ChatScript.ARGS);
        assertThat(finish[0]).isEqualTo("tool_calls");
    }

    @Test
    void imageMessage() throws Exception {
        BufferedImage img = new BufferedImage(56, 28, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 3, 0xff0000);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        String url = "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(url).build()).build())))
                .build());
        assertThat(c.choices().get(0).message().content()).hasValue(ChatScript.ANSWER);
        var req = engine.requests.getLast();
        assertThat(req.embeddings()).hasSize(1);
        int img10 = tok.specialId("[IMG]").orElseThrow();
        for (int p : req.embeddings().get(0).positions()) assertThat(req.promptTokens()[p]).isEqualTo(img10);
        assertThat(req.embeddings().get(0).positions()).hasSize(2);  // 56×28 px = 2×1 tokens of 28 px
    }

    @Test
    void completionsWithTokenIdsAndLogprobs() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("tiny")
                .prompt(CompletionCreateParams.Prompt.ofArrayOfTokens(List.of(1L, 1100L, 1200L))).maxTokens(4).logprobs(2).build());
        var choice = c.choices().get(0);
        assertThat(choice.logprobs().get().tokenLogprobs().get()).hasSize(4);
        assertThat(choice.logprobs().get().topLogprobs().get()).hasSize(4);
        assertThat(c.usage().get().promptTokens()).isEqualTo(3);
        assertThat(choice.finishReason().asString()).isEqualTo("length");
    }

    @Test
    void errorsMapToClientExceptions() {
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("nope").addUserMessage("x").build()))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny").addUserMessage("x")
                .addFunctionTool(weather()).toolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder().name("nope").build()).build()).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("nope");
        String tiny = "data:image/png;base64,iVBORw0KGgo=";
        var three = List.of(ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url(tiny).build()).build()));
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny")
                .addUserMessageOfArrayOfContentParts(List.of(three.get(0), three.get(0), three.get(0))).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("At most 2 image");
        SiroccoServer keyed = SiroccoServer.start(TestServer.config().apiKey("k").build(), engine);
        try {
            OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + keyed.port() + "/v1").apiKey("bad").maxRetries(0).build();
            assertThatThrownBy(() -> wrong.models().list()).isInstanceOf(UnauthorizedException.class);
        } finally {
            keyed.stop();
        }
    }
}
