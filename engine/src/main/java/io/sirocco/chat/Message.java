package io.sirocco.chat;

import java.util.List;

/** One chat message. Records are immutable; {@code null} means "absent" where the OpenAI API allows it. */
public sealed interface Message permits Message.System, Message.User, Message.Assistant, Message.Tool {

    Role role();

    /** May be null only for an assistant message with tool calls. */
    Content content();

    enum Role {
        SYSTEM, USER, ASSISTANT, TOOL;

        /** The OpenAI / mistral-common spelling. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    record System(Content content) implements Message {
        public System(String text) {
            this(Content.of(text));
        }

        @Override
        public Role role() {
            return Role.SYSTEM;
        }
    }

    record User(Content content) implements Message {
        public User(String text) {
            this(Content.of(text));
        }

        @Override
        public Role role() {
            return Role.USER;
        }
    }

    /**
     * @param toolCalls null or the calls the assistant made (after its content)
     * @param prefix    Mistral's extension: the last assistant message is a prefix the model continues (no EOS)
     */
    record Assistant(Content content, List<ToolCall> toolCalls, boolean prefix) implements Message {
        public Assistant {
            if (toolCalls != null) toolCalls = List.copyOf(toolCalls);
        }

        public Assistant(String text) {
            this(Content.of(text), null, false);
        }

        @Override
        public Role role() {
            return Role.ASSISTANT;
        }

        public boolean hasToolCalls() {
            return toolCalls != null && !toolCalls.isEmpty();
        }

        /** Python's {@code bool(content)}. */
        public boolean hasContent() {
            return content != null && !content.isEmpty();
        }
    }

    /**
     * @param toolCallId the id of the call this answers (required by every version from v3 on)
     * @param name       optional function name (validated, never encoded)
     */
    record Tool(Content content, String toolCallId, String name) implements Message {
        public Tool(String toolCallId, String text) {
            this(Content.of(text), toolCallId, null);
        }

        @Override
        public Role role() {
            return Role.TOOL;
        }
    }
}
