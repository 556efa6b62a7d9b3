package io.sirocco.chat.instruct;

import static io.sirocco.chat.TokenizerVersion.V11;
import static io.sirocco.chat.TokenizerVersion.V15;
import static io.sirocco.chat.TokenizerVersion.V7;

import io.sirocco.chat.ChatException;
import io.sirocco.chat.ChatException.Kind;
import io.sirocco.chat.ChatException.Stage;
import io.sirocco.chat.ChatRequest;
import io.sirocco.chat.Chunk;
import io.sirocco.chat.Content;
import io.sirocco.chat.Message;
import io.sirocco.chat.Message.Role;
import io.sirocco.chat.Tool;
import io.sirocco.chat.ToolCall;
import io.sirocco.chat.TokenizerVersion;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The rules of mistral-common's request validators ({@code MistralRequestValidatorV3} for v3, {@code V5} for v7,
 * {@code V13} for v11/v13, {@code V15} for v15), checked in the same order so that the first error is the same one.
 * Each rule's error names the offending message's index.
 */
public final class RequestValidator {

    private static final Pattern FUNCTION_NAME = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");
    private static final Pattern CALL_ID = Pattern.compile("^[a-zA-Z0-9]{9}$");

    private final TokenizerVersion version;
    private final ValidationMode mode;

    public RequestValidator(TokenizerVersion version, ValidationMode mode) {
        this.version = version;
        this.mode = mode;
    }

    public void validate(ChatRequest request) {
        if (mode == ValidationMode.SERVING && request.model() == null)
            throw fail(Kind.INVALID_REQUEST, "Model name parameter is required for serving mode", -1);
        List<Message> messages = request.messages();
        validateStructure(messages, request.continueFinalMessage());
        for (int i = 0; i < messages.size(); i++) validateContent(messages.get(i), i, i == messages.size() - 1);
        if (request.tools() != null) for (Tool t : request.tools()) validateTool(t);
        if (request.reasoningEffort() != null && version != V15)
            throw fail(Kind.INVALID_REQUEST, "reasoning_effort='" + request.reasoningEffort().wire() + "' is not supported for this model", -1);
    }

    // ---- structure ----

    private void validateStructure(List<Message> messages, boolean continueFinal) {
        if (messages.isEmpty()) throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Conversation must have at least one message", -1);
        if (messages.size() == 1 && messages.get(0).role() != Role.USER && messages.get(0).role() != Role.SYSTEM)
            throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Conversation must start with a user message or system message", 0);
        if (messages.size() > 1) validateLast(messages.get(messages.size() - 1), messages.size() - 1, continueFinal);
        validateOrder(messages);
        if (version.atLeast(V11)) validateToolResultIds(messages);
        else validateToolResultCounts(messages);
    }

    private void validateLast(Message last, int index, boolean continueFinal) {
        boolean assistant = last instanceof Message.Assistant;
        boolean prefix = assistant && ((Message.Assistant) last).prefix();
        // A system message may end the conversation (the reference only objects to a finished assistant turn).
        if (assistant && !prefix && !continueFinal)
            throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Expected last role User or Tool (or Assistant with prefix or "
                    + "continue_final_message set to True) for serving but got " + last.role().wire(), index);
        if (continueFinal && (!assistant || prefix))
            throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Expected last role Assistant with prefix False for serving "
                    + "with continue_final_message set to True but got " + last.role().wire(), index);
    }

    private static Set<Role> allowedAfter(Role previous) {
        return switch (previous) {
            case SYSTEM -> EnumSet.of(Role.USER, Role.ASSISTANT, Role.SYSTEM);
            case USER -> EnumSet.of(Role.ASSISTANT, Role.SYSTEM, Role.USER);
            case ASSISTANT -> EnumSet.of(Role.ASSISTANT, Role.USER, Role.TOOL);
            case TOOL -> EnumSet.of(Role.ASSISTANT, Role.TOOL, Role.USER);
        };
    }

    private void validateOrder(List<Message> messages) {
        for (int i = 1; i < messages.size(); i++) {
            Role prev = messages.get(i - 1).role(), cur = messages.get(i).role();
            if (!allowedAfter(prev).contains(cur))
                throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Unexpected role '" + cur.wire() + "' after role '" + prev.wire() + "'", i);
        }
    }

    /** v3/v7: the number of tool results after an assistant turn must match its calls (counted, not matched by id). */
    private void validateToolResultCounts(List<Message> messages) {
        int expected = 0;
        for (int i = 1; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m instanceof Message.Tool) expected--;
            else if (m instanceof Message.Assistant a) {
                if (expected != 0) throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Not the same number of function calls and responses", i);
                if (a.toolCalls() != null) expected = a.toolCalls().size();
            }
        }
        if (expected != 0 && mode == ValidationMode.SERVING)
            throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Not the same number of function calls and responses", messages.size() - 1);
    }

    /** v11+: every tool result answers a call of the preceding assistant turn, once. */
    private void validateToolResultIds(List<Message> messages) {
        Set<String> expected = new HashSet<>(), observed = new HashSet<>();
        for (int i = 1; i < messages.size(); i++) {
            Message m = messages.get(i);
            if (m instanceof Message.Tool t) {
                String id = String.valueOf(t.toolCallId());
                if (observed.contains(id)) throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Duplicate tool call id " + id + " in tool results", i);
                if (!expected.contains(id)) throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Unexpected tool call id " + id + " in tool results", i);
                observed.add(id);
            } else if (m instanceof Message.Assistant a) {
                if (expected.size() != observed.size())
                    throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Not the same number of function calls and responses", i);
                expected.clear();
                observed.clear();
                if (a.toolCalls() != null) for (ToolCall c : a.toolCalls()) {
                    if (!expected.add(c.idOrNull()))
                        throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Duplicate tool call id " + c.idOrNull() + " in assistant message", i);
                }
            }
        }
        if (expected.size() != observed.size() && mode == ValidationMode.SERVING)
            throw fail(Kind.INVALID_MESSAGE_STRUCTURE, "Not the same number of function calls and responses", messages.size() - 1);
    }

    // ---- per message ----

    private void validateContent(Message m, int i, boolean isLast) {
        switch (m) {
            case Message.User u -> checkChunks(u.content(), Set.of("TextChunk", "ImageURLChunk"), "user", Kind.INVALID_USER_MESSAGE, i);
            case Message.System s -> {
                if (s.content() == null) throw fail(Kind.INVALID_SYSTEM_PROMPT, "System prompt must have content", i);
                Set<String> allowed = version == TokenizerVersion.V3 || version == V15 ? Set.of("TextChunk") : Set.of("TextChunk", "ThinkChunk");
                checkChunks(s.content(), allowed, "system", Kind.INVALID_SYSTEM_PROMPT, i);
            }
            case Message.Assistant a -> validateAssistant(a, i, isLast);
            case Message.Tool t -> validateTool(t, i);
        }
    }

    private void validateAssistant(Message.Assistant a, int i, boolean isLast) {
        Set<String> allowed = version.atLeast(V11) ? Set.of("TextChunk", "ThinkChunk") : Set.of("TextChunk");
        checkChunks(a.content(), allowed, "assistant", Kind.INVALID_ASSISTANT_MESSAGE, i);
        if (!version.atLeast(V7) && a.hasContent() == a.hasToolCalls())
            throw fail(Kind.INVALID_ASSISTANT_MESSAGE, "Assistant message must have either content or tool_calls, but not both.", i);
        if (a.toolCalls() != null) for (ToolCall c : a.toolCalls()) {
            if (c.hasId() && !CALL_ID.matcher(c.id()).matches())
                throw fail(Kind.INVALID_FUNCTION_CALL, "Tool call id was " + c.id() + " but must be a-z, A-Z, 0-9, with a length of 9.", i);
            if (mode == ValidationMode.SERVING && !c.hasId())
                throw fail(Kind.INVALID_FUNCTION_CALL, "Tool call id has to be defined in serving mode.", i);
            if (!FUNCTION_NAME.matcher(c.name()).matches())
                throw fail(Kind.INVALID_FUNCTION_CALL, badName(c.name()), i);
        }
        if (a.prefix() && !isLast)
            throw fail(Kind.INVALID_ASSISTANT_MESSAGE, "Assistant message with prefix True must be last message", i);
    }

    private void validateTool(Message.Tool t, int i) {
        if (version != V15) checkChunks(t.content(), Set.of("TextChunk"), "tool", Kind.INVALID_TOOL_MESSAGE, i);
        if (t.name() != null && !FUNCTION_NAME.matcher(t.name()).matches())
            throw fail(Kind.INVALID_TOOL_MESSAGE, badName(t.name()), i);
        if (t.toolCallId() == null) throw fail(Kind.INVALID_REQUEST, "Tool call id has to be defined.", i);
        if (!CALL_ID.matcher(t.toolCallId()).matches())
            throw fail(Kind.INVALID_TOOL_MESSAGE, "Tool call id was " + t.toolCallId() + " but must be a-z, A-Z, 0-9, with a length of 9.", i);
    }

    private void validateTool(Tool tool) {
        SchemaCheck.check(tool.parameters()).ifPresent(problem -> {
            throw fail(Kind.INVALID_TOOL_SCHEMA, "Invalid tool schema: " + problem, -1);
        });
        if (!FUNCTION_NAME.matcher(tool.name()).matches()) throw fail(Kind.INVALID_TOOL, badName(tool.name()), -1);
    }

    private static String badName(String name) {
        return "Function name was " + name + " but must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64.";
    }

    private static void checkChunks(Content content, Set<String> allowed, String role, Kind kind, int i) {
        if (!(content instanceof Content.Chunks c)) return;
        TreeSet<String> bad = new TreeSet<>();
        for (Chunk ch : c.chunks()) if (!allowed.contains(ch.referenceName())) bad.add(ch.referenceName());
        if (!bad.isEmpty()) {
            StringBuilder list = new StringBuilder("[");
            for (String b : bad) list.append(list.length() > 1 ? ", " : "").append('\'').append(b).append('\'');
            throw fail(kind, "Unexpected content chunk types in " + role + " message: " + list.append(']'), i);
        }
    }

    private static ChatException fail(Kind kind, String reason, int index) {
        return new ChatException(Stage.VALIDATE, kind, reason, index);
    }
}
