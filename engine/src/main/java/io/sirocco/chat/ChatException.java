package io.sirocco.chat;

/**
 * A chat request that cannot be encoded. {@link #reason()} is mistral-common's wording of the rule (so errors read the
 * same as vLLM's in mistral mode); {@link #getMessage()} adds the index of the offending request message when known.
 */
public final class ChatException extends IllegalArgumentException {

    /** Where the request was rejected: the same four stages as mistral-common (from_openai, validator, normalizer, encoder). */
    public enum Stage { CONVERT, VALIDATE, NORMALIZE, ENCODE }

    /** The rule that failed, named after mistral-common's exception classes. */
    public enum Kind {
        /** Malformed OpenAI JSON: wrong type, missing field, value out of range (pydantic errors in the reference). */
        INVALID_FORMAT("ValidationError"),
        INVALID_REQUEST("InvalidRequestException"),
        INVALID_MESSAGE_STRUCTURE("InvalidMessageStructureException"),
        INVALID_SYSTEM_PROMPT("InvalidSystemPromptException"),
        INVALID_USER_MESSAGE("InvalidUserMessageException"),
        INVALID_ASSISTANT_MESSAGE("InvalidAssistantMessageException"),
        INVALID_TOOL_MESSAGE("InvalidToolMessageException"),
        INVALID_TOOL("InvalidToolException"),
        INVALID_TOOL_SCHEMA("InvalidToolSchemaException"),
        INVALID_FUNCTION_CALL("InvalidFunctionCallException"),
        /** The encoder cannot express the (valid) request for this tokenizer version. */
        TOKENIZER("TokenizerException");

        private final String referenceName;

        Kind(String referenceName) {
            this.referenceName = referenceName;
        }

        /** mistral-common's exception class name for this rule. */
        public String referenceName() {
            return referenceName;
        }
    }

    private final Stage stage;
    private final Kind kind;
    private final String reason;
    private final int messageIndex;

    public ChatException(Stage stage, Kind kind, String reason, int messageIndex) {
        super(reason + (messageIndex >= 0 ? " (messages[" + messageIndex + "])" : ""));
        this.stage = stage;
        this.kind = kind;
        this.reason = reason;
        this.messageIndex = messageIndex;
    }

    public ChatException(Stage stage, Kind kind, String reason) {
        this(stage, kind, reason, -1);
    }

    public Stage stage() {
        return stage;
    }

    public Kind kind() {
        return kind;
    }

    /** The rule's wording without the message index. */
    public String reason() {
        return reason;
    }

    /** Index into the request's {@code messages}, or -1 when the error is not about one message. */
    public int messageIndex() {
        return messageIndex;
    }
}
