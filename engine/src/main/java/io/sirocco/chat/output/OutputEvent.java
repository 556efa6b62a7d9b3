package io.sirocco.chat.output;

/** What the output parser reports while tokens arrive (the pieces of an OpenAI streaming delta). */
public sealed interface OutputEvent {

    /** Answer text. */
    record Content(String text) implements OutputEvent {}

    /** Text inside [THINK]…[/THINK]. */
    record Reasoning(String text) implements OutputEvent {}

    /** A tool call begins: its index in this answer, its id and its function name. */
    record ToolCallStart(int index, String id, String name) implements OutputEvent {}

    /** More argument text of call {@code index} (the concatenation is the call's JSON arguments). */
    record ToolCallArguments(int index, String text) implements OutputEvent {}
}
