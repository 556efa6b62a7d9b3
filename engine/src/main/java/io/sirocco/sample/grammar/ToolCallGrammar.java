package io.sirocco.sample.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Mistral's output grammar for tool calls and JSON output (spec §4.7; mistral-common's grammar factory and its Lark
 * templates), built directly as a {@link GrammarGraph}:
 *
 * <pre>
 * base (v11, or no think tokens)           think (v13+ with [THINK]/[/THINK])
 *   auto:     content | content? fcalls      think? (content | content? fcall)
 *   any:      fcalls                          think? content? fcall
 *   required: content? fcalls                 think? content? fcall
 *   none:     content                         think? content
 * fcall   = [TOOL_CALLS] WS? name [ARGS] WS? json(args schema) WS?      (WS = 1..8 of [ \t\r\n])
 * fcalls  = fcall+ when parallel, else one fcall; fcall is an alternative per tool
 * content = one or more bytes of text (any non-special tokens); think = [THINK] content [/THINK]
 * with a response schema: start = body | WS? json(schema)   (json only when the mode is none)
 * </pre>
 *
 * Names: if no tool is strict there is one alternative with any name (no newline) or the named tool's name, and
 * arguments that are any JSON object; otherwise one alternative per tool with its exact name and, for strict tools,
 * its parameter schema ({@code {"type":"object","properties":{},"additionalProperties":false}} when empty).
 * The model does not emit {@code [CALL_ID]} at generation time, and the grammar factory does not allow it.
 */
final class ToolCallGrammar {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SAFE_WS = 8;

    private final GrammarGraph g = new GrammarGraph();
    private final JsonSyntax syn = new JsonSyntax(g);
    private final Tokenizer tok;

    private ToolCallGrammar(Tokenizer tok) {
        this.tok = tok;
    }

    static Grammar build(List<ToolSpec> tools, ToolChoiceMode mode, String namedTool, boolean parallel,
                         JsonNode responseSchema, boolean think, Tokenizer tok) {
        if (mode == null) mode = ToolChoiceMode.AUTO;
        if (tools == null) tools = List.of();
        validate(tools, mode, namedTool);
        return new ToolCallGrammar(tok).compile(tools, mode, namedTool, parallel, responseSchema, think);
    }

    /** A JSON-only grammar: WS? json(schema). */
    static Grammar jsonOnly(JsonNode schema) {
        GrammarGraph g = new GrammarGraph();
        JsonSyntax syn = new JsonSyntax(g);
        int start = g.node();
        int end = new JsonSchemaCompiler(syn, schema).emitRoot(syn.ws(start, SAFE_WS));
        int ret = g.node();
        g.addEps(end, ret);
        g.markReturn(ret);
        return new Grammar(g, start, "json schema");
    }

    private static void validate(List<ToolSpec> tools, ToolChoiceMode mode, String namedTool) {
        if (mode == ToolChoiceMode.NAMED) {
            if (namedTool == null) throw new IllegalArgumentException("tool_choice names no function");
            if (tools.stream().noneMatch(t -> t.name().equals(namedTool)))
                throw new IllegalArgumentException("tool_choice requires the tool '" + namedTool + "' but no tool with this name was given");
        }
        if ((mode == ToolChoiceMode.ANY || mode == ToolChoiceMode.REQUIRED) && tools.isEmpty())
            throw new IllegalArgumentException("tool_choice " + mode.name().toLowerCase() + " requires tools");
    }

    private Grammar compile(List<ToolSpec> tools, ToolChoiceMode mode, String namedTool, boolean parallel,
                            JsonNode responseSchema, boolean think) {
        int start = g.node();
        int end = g.node();
        g.markReturn(end);
        boolean jsonOnly = mode == ToolChoiceMode.NONE && responseSchema != null;
        if (responseSchema != null) {
            boolean thinkWithJson = think && versionAtLeast(15);
            int from = thinkWithJson ? optionalThink(start) : start;
            g.addEps(new JsonSchemaCompiler(syn, responseSchema).emitRoot(syn.ws(from, SAFE_WS)), end);
        }
        if (!jsonOnly) g.addEps(think ? thinkBody(start, tools, mode, namedTool, parallel) : baseBody(start, tools, mode, namedTool, parallel), end);
        return new Grammar(g, start, "tool calls " + mode + (think ? " think" : "") + (parallel ? " parallel" : ""));
    }

    private int baseBody(int from, List<ToolSpec> tools, ToolChoiceMode mode, String named, boolean parallel) {
        return switch (mode) {
            case NONE -> content(from);
            case ANY -> fcalls(from, tools, mode, named, parallel);
            case REQUIRED, NAMED -> fcalls(optionalContent(from), tools, mode, named, parallel);
            case AUTO -> {
                int exit = g.node();
                g.addEps(content(from), exit);
                g.addEps(fcalls(optionalContent(from), tools, mode, named, parallel), exit);
                yield exit;
            }
        };
    }

    private int thinkBody(int from, List<ToolSpec> tools, ToolChoiceMode mode, String named, boolean parallel) {
        int t = optionalThink(from);
        return switch (mode) {
            case NONE -> content(t);
            case ANY, REQUIRED, NAMED -> fcalls(optionalContent(t), tools, mode, named, parallel);
            case AUTO -> {
                int exit = g.node();
                g.addEps(content(t), exit);
                g.addEps(fcalls(optionalContent(t), tools, mode, named, parallel), exit);
                yield exit;
            }
        };
    }

    /** One call, or one or more when parallel. */
    private int fcalls(int from, List<ToolSpec> tools, ToolChoiceMode mode, String named, boolean parallel) {
        List<Entry> entries = entries(tools, mode, named);
        int first = fcallAlternatives(from, entries);
        if (!parallel) return first;
        int loop = g.node();
        g.addEps(first, loop);
        g.addEps(fcallAlternatives(loop, entries), loop);
        return loop;
    }

    private int fcallAlternatives(int from, List<Entry> entries) {
        int exit = g.node();
        for (Entry e : entries) g.addEps(fcall(from, e), exit);
        return exit;
    }

    private int fcall(int from, Entry e) {
        int afterCalls = g.node();
        g.addSpecial(from, special("[TOOL_CALLS]"), afterCalls);
        int nameStart = syn.ws(afterCalls, SAFE_WS);
        int nameEnd;
        if (e.name != null) {
            nameEnd = g.literal(nameStart, e.name.getBytes(StandardCharsets.UTF_8));
        } else {
            // /.+/: one or more bytes other than a newline.
            nameEnd = g.node();
            g.addRange(nameStart, 0, '\n' - 1, nameEnd);
            g.addRange(nameStart, '\n' + 1, 255, nameEnd);
            g.addRange(nameEnd, 0, '\n' - 1, nameEnd);
            g.addRange(nameEnd, '\n' + 1, 255, nameEnd);
        }
        int afterArgs = g.node();
        g.addSpecial(nameEnd, special("[ARGS]"), afterArgs);
        int json = new JsonSchemaCompiler(syn, e.args).emitRoot(syn.ws(afterArgs, SAFE_WS));
        return syn.ws(json, SAFE_WS);
    }

    private record Entry(String name, JsonNode args) {}

    private static List<Entry> entries(List<ToolSpec> tools, ToolChoiceMode mode, String named) {
        JsonNode anyObject = JSON.createObjectNode().put("type", "object");
        List<Entry> out = new ArrayList<>();
        if (tools.stream().noneMatch(ToolSpec::strict)) {
            out.add(new Entry(mode == ToolChoiceMode.NAMED ? named : null, anyObject));
            return out;
        }
        for (ToolSpec t : tools) {
            if (mode == ToolChoiceMode.NAMED && !t.name().equals(named)) continue;
            JsonNode args = t.strict() ? t.parameters() : anyObject;
            if (args == null || args.isEmpty())
                args = JSON.createObjectNode().put("type", "object").<com.fasterxml.jackson.databind.node.ObjectNode>set(
                        "properties", JSON.createObjectNode()).put("additionalProperties", false);
            out.add(new Entry(t.name(), args));
            if (mode == ToolChoiceMode.NAMED) break;
        }
        return out;
    }

    /** (/(.|\n)+/)+ : one or more bytes of text. */
    private int content(int from) {
        int c = g.node();
        g.addRange(from, 0, 255, c);
        g.addRange(c, 0, 255, c);
        return c;
    }

    private int optionalContent(int from) {
        int exit = g.node();
        g.addEps(from, exit);
        g.addEps(content(from), exit);
        return exit;
    }

    private int optionalThink(int from) {
        int exit = g.node();
        g.addEps(from, exit);
        int open = g.node();
        g.addSpecial(from, special("[THINK]"), open);
        g.addSpecial(content(open), special("[/THINK]"), exit);
        return exit;
    }

    private int special(String name) {
        return tok.specialId(name).orElseThrow(() ->
                new IllegalArgumentException("the tokenizer has no special token " + name + " (tool-call grammar needs Tekken v11+)"));
    }

    private boolean versionAtLeast(int v) {
        Optional<String> ver = tok.version();
        if (ver.isEmpty()) return false;
        try {
            return Integer.parseInt(ver.get().replaceAll("[^0-9]", "")) >= v;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
