package io.sirocco.chat;

/**
 * A function call made by the assistant.
 *
 * @param id        the call id (9 alphanumerics for Mistral), or null when the client sent none
 * @param name      function name
 * @param arguments the arguments as JSON text, as the client sent them (may be invalid JSON: it is then encoded as a
 *                  JSON string, like mistral-common does)
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        if (name == null) throw new IllegalArgumentException("tool call without a function name");
        if (arguments == null) arguments = "{}";
    }

    /** mistral-common stores a missing id as the string "null". */
    public boolean hasId() {
        return id != null && !id.equals("null");
    }

    /** The id as mistral-common sees it ("null" when absent). */
    public String idOrNull() {
        return id == null ? "null" : id;
    }
}
