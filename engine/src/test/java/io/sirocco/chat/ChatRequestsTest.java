package io.sirocco.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatRequestsTest {
    static final ObjectMapper M = new ObjectMapper();

    static ChatRequest parse(String json) throws Exception {
        return ChatRequests.fromOpenAi(M.readTree(json));
    }

    static ChatException error(String json) {
        return catchThrowableOfType(ChatException.class, () -> parse(json));
    }

    @Test
    void parsesEveryMessageShape() throws Exception {
        ChatRequest r = parse("""
                {"model": "m", "reasoning_effort": "high", "tool_choice": {"type": "function", "function": {"name": "f"}},
                 "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}, "strict": true}}],
                 "messages": [
                  {"role": "system", "content": "S"},
                  {"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
                  {"role": "assistant", "content": null, "reasoning": "r", "tool_calls": [{"id": "abcDEF123", "type": "function", "function": {"name": "f", "arguments": {"é": 1}}}]},
                  {"role": "tool", "tool_call_id": "abcDEF123", "name": "f", "content": "ok"},
                  {"role": "assistant", "content": "par", "prefix": true}]}""");
        assertThat(r.model()).isEqualTo("m");
        assertThat(r.reasoningEffort()).isEqualTo(ReasoningEffort.HIGH);
        assertThat(r.toolChoice()).isEqualTo(ToolChoice.named("f"));
        assertThat(r.tools().get(0).strict()).isTrue();
        assertThat(r.tools().get(0).description()).isEmpty();
        assertThat(r.messages()).hasSize(5);
        assertThat(r.messages().get(1).content().asChunks()).containsExactly(new Chunk.Text("hi"), new Chunk.Image("data:image/png;base64,AAAA"));
        Message.Assistant a = (Message.Assistant) r.messages().get(2);
        assertThat(a.content().asChunks()).containsExactly(new Chunk.Think("r", true));
        assertThat(a.toolCalls()).containsExactly(new ToolCall("abcDEF123", "f", "{\"é\": 1}"));
        assertThat(r.messages().get(3)).isEqualTo(new Message.Tool(Content.of("ok"), "abcDEF123", "f"));
        assertThat(((Message.Assistant) r.messages().get(4)).prefix()).isTrue();
    }

    @Test
    void preciseErrors() {
        assertThat(error("{}").reason()).isEqualTo("messages: field required");
        assertThat(error("{\"messages\": [{\"role\": \"tool\", \"content\": \"r\"}]}").reason()).isEqualTo("messages[0].tool_call_id: field required");
        assertThat(error("{\"messages\": [{\"role\": \"user\", \"content\": null}]}").reason()).startsWith("messages[0].content: Input should be a valid string");
        assertThat(error("{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}").reason()).isEqualTo("messages[0].role: Unknown message role: robot");
        assertThat(error("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"video_url\"}]}]}").reason())
                .isEqualTo("messages[0].content[0].type: 'video_url' is not a valid ChunkTypes");
        assertThat(error("{\"messages\": [{\"role\": \"assistant\", \"content\": [{\"type\": \"image_url\", \"image_url\": \"x\"}]}]}").reason())
                .isEqualTo("messages[0].content[0]: ImageURLChunk cannot be used in assistant message.");
        assertThat(error("{\"messages\": [], \"tool_choice\": \"sometimes\"}").reason()).startsWith("tool_choice: Input should be 'auto', 'none', 'any' or 'required'");
        assertThat(error("{\"messages\": [], \"temperature\": 2.5}").reason()).isEqualTo("temperature: Input should be less than or equal to 2");
        assertThat(error("{\"messages\": [], \"reasoning_effort\": \"medium\"}").stage()).isEqualTo(ChatException.Stage.CONVERT);
        assertThat(error("{\"messages\": [{\"role\": \"assistant\", \"reasoning\": \"a\", \"reasoning_content\": \"b\"}]}").reason())
                .endsWith("`reasoning_content` and `reasoning` should be equal.");
    }

    @Test
    void mistralCommonLimitsTemperatureToOne() throws Exception {
        var json = M.readTree("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"temperature\": 1.5}");
        assertThat(ChatRequests.fromOpenAi(json).temperature()).isEqualTo(1.5);
        assertThat(catchThrowableOfType(ChatException.class, () -> ChatRequests.fromOpenAi(json, ChatRequests.Limits.MISTRAL_COMMON)).reason())
                .isEqualTo("temperature: Input should be less than or equal to 1");
    }

    @Test
    void pythonJson() {
        assertThat(List.of(1e10, 1e-7, 0.1, 2.5, 1e16, 1e15, 1e-4, 1e-5, -0.0, 123456789.125, 5e-324))
                .extracting(PythonJson::floatRepr)
                .containsExactly("10000000000.0", "1e-07", "0.1", "2.5", "1e+16", "1000000000000000.0", "0.0001", "1e-05", "-0.0",
                        "123456789.125", "5e-324");
        assertThat(PythonJson.normalize("{\"a\":[1,2.50,\"é\\n\\u0001\"],\"b\":{}}")).isEqualTo("{\"a\": [1, 2.5, \"é\\n\\u0001\"], \"b\": {}}");
        assertThat(PythonJson.normalize("")).isEqualTo("{}");
        assertThat(PythonJson.normalize("{bad")).isEqualTo("{bad");
        assertThat(PythonJson.normalize("{} x")).isEqualTo("{} x");
    }
}
