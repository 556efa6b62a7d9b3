package io.sirocco.chat;

/** OpenAI's {@code tool_choice}: a mode, or one named function (then {@code mode == NAMED}). */
public record ToolChoice(Mode mode, String functionName) {

    public enum Mode { AUTO, NONE, ANY, REQUIRED, NAMED }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
    public static final ToolChoice ANY = new ToolChoice(Mode.ANY, null);
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);

    public ToolChoice {
        if ((mode == Mode.NAMED) != (functionName != null))
            throw new IllegalArgumentException("a function name goes with (and only with) a named tool choice");
    }

    public static ToolChoice named(String functionName) {
        return new ToolChoice(Mode.NAMED, functionName);
    }
}
