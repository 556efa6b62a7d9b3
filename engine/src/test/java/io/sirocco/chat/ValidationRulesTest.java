package io.sirocco.chat;

import static io.sirocco.chat.TokenizerVersion.V11;
import static io.sirocco.chat.TokenizerVersion.V13;
import static io.sirocco.chat.TokenizerVersion.V15;
import static io.sirocco.chat.TokenizerVersion.V3;
import static io.sirocco.chat.TokenizerVersion.V7;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.sirocco.chat.ChatException.Kind;
import io.sirocco.chat.ChatException.Stage;
import io.sirocco.chat.instruct.InstructEncoder;
import io.sirocco.chat.instruct.ModelSettingsBuilder;
import io.sirocco.chat.instruct.RequestNormalizer;
import io.sirocco.chat.instruct.RequestValidator;
import io.sirocco.chat.instruct.ValidationMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per rule: the error's stage, kind, wording and message index. */
class ValidationRulesTest {

    static final ToolCall CALL = new ToolCall("abcDEF123", "f", "{}");
    static final Message USER = new Message.User("q");

    static Message.Assistant calls(ToolCall... c) {
        return new Message.Assistant(null, List.of(c), false);
    }

    static Message.Tool result(String id) {
        return new Message.Tool(Content.of("r"), id, null);
    }

    static ChatException validate(TokenizerVersion v, ValidationMode mode, ChatRequest r) {
        return catchThrowableOfType(ChatException.class, () -> new RequestValidator(v, mode).validate(r));
    }

    static ChatException validate(TokenizerVersion v, Message... messages) {
        return validate(v, ValidationMode.TEST, ChatRequest.of(List.of(messages)));
    }

    static void check(ChatException e, Kind kind, String reason, int index) {
        assertThat(e).isNotNull();
        assertThat(e.stage()).isEqualTo(Stage.VALIDATE);
        assertThat(e.kind()).isEqualTo(kind);
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.messageIndex()).isEqualTo(index);
        if (index >= 0) assertThat(e.getMessage()).endsWith("(messages[" + index + "])");
    }

    @Test
    void emptyConversation() {
        check(validate(V11), Kind.INVALID_MESSAGE_STRUCTURE, "Conversation must have at least one message", -1);
    }

    @Test
    void singleMessageMustBeUserOrSystem() {
        check(validate(V11, new Message.Assistant("a")), Kind.INVALID_MESSAGE_STRUCTURE,
                "Conversation must start with a user message or system message", 0);
    }

    @Test
    void lastMessageMustNotBeAFinishedAssistantTurn() {
        check(validate(V11, USER, new Message.Assistant("a")), Kind.INVALID_MESSAGE_STRUCTURE,
                "Expected last role User or Tool (or Assistant with prefix or continue_final_message set to True) for serving but got assistant", 1);
        assertThat(validate(V11, USER, new Message.Assistant(Content.of("a"), null, true))).isNull();
        assertThat(validate(V11, new Message.User("q"), new Message.System("s"))).isNull();
    }

    @Test
    void continueFinalMessageNeedsAnAssistantWithoutPrefix() {
        ChatRequest r = ChatRequest.of(List.of(USER)).withContinueFinalMessage(true);
        ChatRequest two = r.withMessages(List.of(USER, new Message.User("x")));
        check(validate(V11, ValidationMode.TEST, two), Kind.INVALID_MESSAGE_STRUCTURE,
                "Expected last role Assistant with prefix False for serving with continue_final_message set to True but got user", 1);
    }

    @Test
    void roleOrder() {
        check(validate(V11, USER, result("abcDEF123")), Kind.INVALID_MESSAGE_STRUCTURE, "Unexpected role 'tool' after role 'user'", 1);
        check(validate(V11, new Message.System("s"), new Message.Tool(Content.of("r"), "abcDEF123", null)),
                Kind.INVALID_MESSAGE_STRUCTURE, "Unexpected role 'tool' after role 'system'", 1);
    }

    @Test
    void v7CountsResultsPerAssistantTurn() {
        check(validate(V7, USER, calls(CALL), new Message.Assistant("a"), USER), Kind.INVALID_MESSAGE_STRUCTURE,
                "Not the same number of function calls and responses", 2);
    }

    @Test
    void v11MatchesResultsToCallsById() {
        check(validate(V11, USER, calls(CALL), result("zzzzzzzzz")), Kind.INVALID_MESSAGE_STRUCTURE,
                "Unexpected tool call id zzzzzzzzz in tool results", 2);
        check(validate(V11, USER, calls(CALL), result("abcDEF123"), result("abcDEF123")), Kind.INVALID_MESSAGE_STRUCTURE,
                "Duplicate tool call id abcDEF123 in tool results", 3);
        check(validate(V11, USER, calls(CALL, CALL), USER), Kind.INVALID_MESSAGE_STRUCTURE,
                "Duplicate tool call id abcDEF123 in assistant message", 1);
        check(validate(V11, USER, calls(CALL, new ToolCall("zyxWVU987", "g", "{}")), result("abcDEF123"), new Message.Assistant("a"), USER),
                Kind.INVALID_MESSAGE_STRUCTURE, "Not the same number of function calls and responses", 3);
    }

    @Test
    void servingModeWantsEveryCallAnsweredAndAModel() {
        ChatRequest unanswered = ChatRequest.of(List.of(USER, calls(CALL), new Message.User("never mind"))).withModel("m");
        assertThat(validate(V11, ValidationMode.TEST, unanswered)).isNull();
        check(validate(V11, ValidationMode.SERVING, unanswered), Kind.INVALID_MESSAGE_STRUCTURE,
                "Not the same number of function calls and responses", 2);
        check(validate(V11, ValidationMode.SERVING, ChatRequest.of(List.of(USER))), Kind.INVALID_REQUEST,
                "Model name parameter is required for serving mode", -1);
        ChatRequest noId = ChatRequest.of(List.of(USER, calls(new ToolCall(null, "f", "{}")), result("abcDEF123"))).withModel("m");
        check(validate(V7, ValidationMode.SERVING, noId), Kind.INVALID_FUNCTION_CALL, "Tool call id has to be defined in serving mode.", 1);
    }

    @Test
    void systemMessages() {
        check(validate(V11, new Message.System((Content) null), USER), Kind.INVALID_SYSTEM_PROMPT, "System prompt must have content", 0);
        Message thinking = new Message.System(Content.of(List.of(new Chunk.Think("t", true))));
        check(validate(V15, thinking, USER), Kind.INVALID_SYSTEM_PROMPT, "Unexpected content chunk types in system message: ['ThinkChunk']", 0);
        check(validate(V3, thinking, USER), Kind.INVALID_SYSTEM_PROMPT, "Unexpected content chunk types in system message: ['ThinkChunk']", 0);
        assertThat(validate(V13, thinking, USER)).isNull();
    }

    @Test
    void assistantMessages() {
        Message think = new Message.Assistant(Content.of(List.of(new Chunk.Think("t", true), new Chunk.Text("a"))), null, false);
        check(validate(V7, USER, think, USER), Kind.INVALID_ASSISTANT_MESSAGE, "Unexpected content chunk types in assistant message: ['ThinkChunk']", 1);
        check(validate(V3, USER, new Message.Assistant(Content.of("a"), List.of(CALL), false), result("abcDEF123")),
                Kind.INVALID_ASSISTANT_MESSAGE, "Assistant message must have either content or tool_calls, but not both.", 1);
        check(validate(V11, USER, new Message.Assistant(Content.of("a"), null, true), USER), Kind.INVALID_ASSISTANT_MESSAGE,
                "Assistant message with prefix True must be last message", 1);
    }

    @Test
    void toolCalls() {
        check(validate(V11, USER, calls(new ToolCall("call_1", "f", "{}")), result("call_1")), Kind.INVALID_FUNCTION_CALL,
                "Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9.", 1);
        check(validate(V11, USER, calls(new ToolCall("abcDEF123", "bad name", "{}")), result("abcDEF123")), Kind.INVALID_FUNCTION_CALL,
                "Function name was bad name but must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64.", 1);
    }

    @Test
    void toolMessages() {
        Message image = new Message.Tool(Content.of(List.of(new Chunk.Image("data:image/png;base64,AAAA"))), "abcDEF123", null);
        check(validate(V13, USER, calls(CALL), image), Kind.INVALID_TOOL_MESSAGE, "Unexpected content chunk types in tool message: ['ImageURLChunk']", 2);
        assertThat(validate(V15, USER, calls(CALL), image)).isNull();
        check(validate(V7, USER, calls(CALL), new Message.Tool(Content.of("r"), "abcDEF123", "no good")), Kind.INVALID_TOOL_MESSAGE,
                "Function name was no good but must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64.", 2);
        check(validate(V7, USER, calls(CALL), new Message.Tool(Content.of("r"), null, null)), Kind.INVALID_REQUEST, "Tool call id has to be defined.", 2);
        check(validate(V7, USER, calls(CALL), result("short")), Kind.INVALID_TOOL_MESSAGE,
                "Tool call id was short but must be a-z, A-Z, 0-9, with a length of 9.", 2);
    }

    @Test
    void toolDefinitions() {
        var schema = JsonNodeFactory.instance.objectNode().put("type", "foo");
        ChatRequest bad = ChatRequest.of(List.of(USER), List.of(new Tool("t", "d", schema, false)));
        check(validate(V11, ValidationMode.TEST, bad), Kind.INVALID_TOOL_SCHEMA, "Invalid tool schema: 'foo' is not valid under any of the given schemas", -1);
        var nested = JsonNodeFactory.instance.objectNode().put("type", "object");
        nested.putObject("properties").putObject("a").put("type", "strin");
        check(validate(V11, ValidationMode.TEST, ChatRequest.of(List.of(USER), List.of(new Tool("t", "d", nested, false)))),
                Kind.INVALID_TOOL_SCHEMA, "Invalid tool schema: 'strin' is not valid under any of the given schemas", -1);
        ChatRequest badName = ChatRequest.of(List.of(USER), List.of(new Tool("météo", "d", null, false)));
        check(validate(V11, ValidationMode.TEST, badName), Kind.INVALID_TOOL,
                "Function name was météo but must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64.", -1);
    }

    @Test
    void reasoningEffortOnlyForV15() {
        ChatRequest r = ChatRequest.of(List.of(USER)).withReasoningEffort(ReasoningEffort.HIGH);
        check(validate(V11, ValidationMode.TEST, r), Kind.INVALID_REQUEST, "reasoning_effort='high' is not supported for this model", -1);
        assertThat(validate(V15, ValidationMode.TEST, r)).isNull();
        var onlyNone = new ModelSettingsBuilder(new ModelSettingsBuilder.EnumField(List.of("none"), true, "none"));
        ChatException e = catchThrowableOfType(ChatException.class, () -> new RequestNormalizer(V15, onlyNone).normalize(r));
        assertThat(e.stage()).isEqualTo(Stage.NORMALIZE);
        assertThat(e.reason()).isEqualTo("reasoning_effort should be one of ['none'], got high.");
    }

    // ---- rules the encoder enforces ----

    static ChatException encode(TokenizerVersion v, Message... messages) {
        InstructEncoder enc = ChatTokenizers.encoder(v, ValidationMode.TEST);
        return catchThrowableOfType(ChatException.class, () -> enc.encode(ChatRequest.of(List.of(messages))));
    }

    @Test
    void encoderRules() {
        ChatException empty = encode(V11, USER, new Message.Assistant(""), USER);
        assertThat(empty.stage()).isEqualTo(Stage.ENCODE);
        assertThat(empty.reason()).isEqualTo("Invalid assistant message: role='assistant' content='' tool_calls=None prefix=False");

        Message think = new Message.Assistant(Content.of(List.of(new Chunk.Think("t", true))), null, false);
        assertThat(encode(V11, USER, think, USER).reason()).isEqualTo("Think not implemented for tokenizer < V13.");

        ChatException noId = encode(V13, USER, calls(new ToolCall(null, "f", "{}")), USER);
        assertThat(noId.stage()).isEqualTo(Stage.ENCODE);
        assertThat(noId.reason()).startsWith("Tool call id has to be defined for tokenizer >= v13");

        Message thin = new Message.User(Content.of(List.of(new Chunk.Image(dataUrl(4000, 1)))));
        ChatException tooThin = encode(V11, thin);
        assertThat(tooThin.stage()).isEqualTo(Stage.ENCODE);
        assertThat(tooThin.reason()).startsWith("image of 4000x1 is too elongated");

        ChatException notAnImage = encode(V11, new Message.User(Content.of(List.of(new Chunk.Image("https://example.com/x.png")))));
        assertThat(notAnImage.reason()).startsWith("cannot read image: only base64 data: URLs are supported");
    }

    static String dataUrl(int w, int h) {
        try {
            var img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
            var bytes = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", bytes);
            return "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(bytes.toByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
