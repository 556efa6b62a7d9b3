package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.chat.ChatRequest;
import io.sirocco.chat.Tool;
import io.sirocco.chat.ToolChoice;
import io.sirocco.chat.TokenizerVersion;
import io.sirocco.sample.LogitsProcessor;
import io.sirocco.sample.grammar.GrammarProcessors;
import io.sirocco.sample.grammar.ToolChoiceMode;
import io.sirocco.sample.grammar.ToolSpec;
import io.sirocco.tokenizer.Tokenizer;
import java.util.List;

/**
 * The default {@link StructuredOutputs}: Mistral's grammar (spec §4.7), as vLLM's Mistral tool parser attaches it.
 * A grammar is used when the request has tools (and tool_choice is not "none") or asks for JSON output; plain chat
 * runs unconstrained (a grammar that allows any text would only cost time).
 */
final class MistralGrammar implements StructuredOutputs {
    static final MistralGrammar INSTANCE = new MistralGrammar();

    /** vLLM's _DEFAULT_JSON_SCHEMA for response_format json_object. */
    private static final JsonNode ANY_JSON = parse("{\"anyOf\":[{\"type\":\"object\"},{\"type\":\"array\"}]}");

    @Override
    public LogitsProcessor processor(ChatRequest req, Tokenizer tok) {
        JsonNode schema = responseSchema(req.responseFormat());
        List<Tool> tools = req.tools() == null ? List.of() : req.tools();
        ToolChoice choice = req.toolChoice();
        boolean toolsActive = !tools.isEmpty() && choice.mode() != ToolChoice.Mode.NONE;
        if (!toolsActive && schema == null) return null;
        boolean think = tok.specialId("[THINK]").isPresent() && tok.specialId("[/THINK]").isPresent()
                && tok.version().map(MistralGrammar::atLeastV13).orElse(false);
        if (!toolsActive) return GrammarProcessors.forToolCalls(List.of(), ToolChoiceMode.NONE, null, false, schema, think, tok);
        List<ToolSpec> specs = tools.stream().map(t -> new ToolSpec(t.name(), t.parameters(), t.strict())).toList();
        ToolChoiceMode mode = ToolChoiceMode.valueOf(choice.mode().name());
        return GrammarProcessors.forToolCalls(specs, mode, choice.functionName(), req.parallelToolCalls(), schema, think, tok);
    }

    private static boolean atLeastV13(String version) {
        try {
            return TokenizerVersion.parse(version).atLeast(TokenizerVersion.V13);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The JSON schema a response_format asks for, or null for text. */
    static JsonNode responseSchema(JsonNode rf) {
        if (rf == null || !rf.isObject()) return null;
        String type = rf.path("type").asText("text");
        if (type.equals("json_object")) return ANY_JSON;
        if (type.equals("json_schema")) {
            JsonNode s = rf.path("json_schema").get("schema");
            return s == null || s.isNull() ? ANY_JSON : s;
        }
        return null;
    }

    private static JsonNode parse(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
