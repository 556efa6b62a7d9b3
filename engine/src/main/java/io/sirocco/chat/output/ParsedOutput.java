package io.sirocco.chat.output;

import java.util.ArrayList;
import java.util.List;

/**
 * The non-streaming result: an assistant message in OpenAI's shape.
 *
 * @param content   answer text ("" when there is none)
 * @param reasoning thinking text ("" when there is none)
 */
public record ParsedOutput(String content, String reasoning, List<ToolCallOut> toolCalls) {

    /** One call; {@code arguments} is the JSON text the model wrote. */
    public record ToolCallOut(String id, String name, String arguments) {}

    public ParsedOutput {
        toolCalls = List.copyOf(toolCalls);
    }

    /** OpenAI leaves {@code content} null when the model only called tools. */
    public String contentOrNull() {
        return content.isEmpty() ? null : content;
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** Folds streaming events into the final result (what a client accumulating SSE deltas sees). */
    public static ParsedOutput fromEvents(List<OutputEvent> events) {
        StringBuilder content = new StringBuilder(), reasoning = new StringBuilder();
        List<String[]> calls = new ArrayList<>(); // id, name, arguments
        for (OutputEvent e : events) {
            switch (e) {
                case OutputEvent.Content c -> content.append(c.text());
                case OutputEvent.Reasoning r -> reasoning.append(r.text());
                case OutputEvent.ToolCallStart s -> {
                    if (s.index() != calls.size()) throw new IllegalStateException("tool call index " + s.index() + " out of order");
                    calls.add(new String[] {s.id(), s.name(), ""});
                }
                case OutputEvent.ToolCallArguments a -> calls.get(a.index())[2] += a.text();
            }
        }
        List<ToolCallOut> out = new ArrayList<>();
        for (String[] c : calls) out.add(new ToolCallOut(c[0], c[1], c[2]));
        return new ParsedOutput(content.toString(), reasoning.toString(), out);
    }
}
