package io.sirocco.chat;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A function the model may call.
 *
 * @param parameters JSON schema of the arguments (an object, {@code {}} when absent); key order is kept, it is
 *                   encoded verbatim into [AVAILABLE_TOOLS]
 * @param strict     OpenAI's flag (used for constrained decoding only, never encoded)
 */
public record Tool(String name, String description, ObjectNode parameters, boolean strict) {
    public Tool {
        if (name == null) throw new IllegalArgumentException("tool without a function name");
        if (description == null) description = "";
        if (parameters == null) parameters = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
}
