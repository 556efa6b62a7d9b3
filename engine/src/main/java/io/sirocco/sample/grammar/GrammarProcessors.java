package io.sirocco.sample.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.tokenizer.Tokenizer;
import java.util.List;

/**
 * Entry points: compile a grammar (JSON schema or Mistral tool calls) and wrap it as a logits processor for one
 * sequence. Compilation errors (unsupported schema keywords, unknown tools) are {@link IllegalArgumentException}s
 * meant to become HTTP 400 answers.
 */
public final class GrammarProcessors {
    private GrammarProcessors() {}

    /** Grammar for JSON output matching {@code schema}: up to 8 leading whitespace bytes, then the value. */
    public static Grammar jsonSchemaGrammar(JsonNode schema) {
        return ToolCallGrammar.jsonOnly(schema);
    }

    /**
     * Mistral's tool-call / JSON grammar (spec §4.7).
     *
     * @param tools          the request's tools (may be empty for mode AUTO / NONE)
     * @param mode           tool_choice; NAMED forces {@code namedTool}
     * @param parallel       parallel_tool_calls: one or more calls instead of exactly one
     * @param responseSchema response_format schema (json_object: {@code {"anyOf":[{"type":"object"},{"type":"array"}]}}),
     *                       or null; with mode NONE the output is that JSON only
     * @param think          use the think variant (tokenizer v13+ with [THINK]/[/THINK])
     */
    public static Grammar toolCallGrammar(List<ToolSpec> tools, ToolChoiceMode mode, String namedTool, boolean parallel,
                                          JsonNode responseSchema, boolean think, Tokenizer tok) {
        return ToolCallGrammar.build(tools, mode, namedTool, parallel, responseSchema, think, tok);
    }

    public static GrammarLogitsProcessor forJsonSchema(JsonNode schema, Tokenizer tok) {
        return new GrammarLogitsProcessor(jsonSchemaGrammar(schema), tok);
    }

    public static GrammarLogitsProcessor forToolCalls(List<ToolSpec> tools, ToolChoiceMode mode, String namedTool,
                                                      boolean parallel, JsonNode responseSchema, boolean think,
                                                      Tokenizer tok) {
        return new GrammarLogitsProcessor(toolCallGrammar(tools, mode, namedTool, parallel, responseSchema, think, tok), tok);
    }

    public static GrammarLogitsProcessor forGrammar(Grammar grammar, Tokenizer tok) {
        return new GrammarLogitsProcessor(grammar, tok);
    }
}
