package io.sirocco.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.mistralai.MistralAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** LangChain4j's OpenAI and Mistral chat models against the server (scripted engine). */
class LangChain4jTest {
    static SiroccoServer server;
    static String base;

    @BeforeAll
    static void start() {
        var tok = TestServer.tinyModel().tokenizer();
        FakeEngine engine = new FakeEngine(TestServer.tinyModel(), r -> ChatScript.answer(tok, r));
        server = SiroccoServer.start(TestServer.config().enableAutoToolChoice(true).toolCallParser("mistral").build(), engine);
        base = "http://127.0.0.1:" + server.port() + "/v1";
    }

    @AfterAll
    static void stop() {
        server.stop();
    }

    @Test
    void openAiChat() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(base).apiKey("none").modelName("tiny").maxRetries(0).build();
        assertThat(model.chat("Hi")).isEqualTo(ChatScript.ANSWER);
    }

    @Test
    void openAiStreaming() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(base).apiKey("none").modelName("tiny").build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StringBuilder partial = new StringBuilder();
        model.chat("Hi", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String s) {
                partial.append(s);
            }

            @Override
            public void onCompleteResponse(ChatResponse r) {
                done.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }
        });
        ChatResponse r = done.get(20, TimeUnit.SECONDS);
        assertThat(partial.toString()).isEqualTo(ChatScript.ANSWER);
        assertThat(r.aiMessage().text()).isEqualTo(ChatScript.ANSWER);
    }

    @Test
    void openAiToolRoundTrip() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(base).apiKey("none").modelName("tiny").maxRetries(0).build();
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Weather in a city")
                .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build()).build();
        UserMessage q = UserMessage.from("Weather in Paris?");
        ChatResponse first = model.chat(ChatRequest.builder().messages(q).toolSpecifications(weather).toolChoice(ToolChoice.REQUIRED).build());
        AiMessage ai = first.aiMessage();
        assertThat(ai.hasToolExecutionRequests()).isTrue();
        ToolExecutionRequest call = ai.toolExecutionRequests().get(0);
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo(ChatScript.ARGS);
        ChatResponse second = model.chat(ChatRequest.builder().messages(q, ai, ToolExecutionResultMessage.from(call, "{\"sky\": \"clear\"}"))
                .toolSpecifications(weather).build());
        assertThat(second.aiMessage().text()).isEqualTo(ChatScript.AFTER_TOOL);
    }

    @Test
    void mistralChat() {
        MistralAiChatModel model = MistralAiChatModel.builder().baseUrl(base).apiKey("none").modelName("tiny").maxRetries(0).build();
        assertThat(model.chat("Hi")).isEqualTo(ChatScript.ANSWER);
    }
}
