package io.sirocco.sample.grammar;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool as the grammar sees it: its name, the JSON schema of its arguments ({@code function.parameters}, may be
 * null) and whether it is strict (arguments constrained by that schema; otherwise any JSON object).
 */
public record ToolSpec(String name, JsonNode parameters, boolean strict) {
    public ToolSpec {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("tool name must not be empty");
    }
}
