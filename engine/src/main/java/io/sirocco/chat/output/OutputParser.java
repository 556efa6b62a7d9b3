package io.sirocco.chat.output;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.chat.PythonJson;
import io.sirocco.tokenizer.SpecialTokenPolicy;
import io.sirocco.tokenizer.StreamingDecoder;
import io.sirocco.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Mistral model's output one token id at a time and reports content, reasoning and tool calls (spec §4.6):
 * <ul>
 *   <li>{@code [THINK]…[/THINK]} → reasoning;</li>
 *   <li>v11+: {@code [TOOL_CALLS]name[ARGS]{json}}, optionally {@code [CALL_ID]id} before {@code [ARGS]}; several
 *       calls follow each other; the arguments stream out as they are generated;</li>
 *   <li>v3/v7: {@code [TOOL_CALLS][{"name": …, "arguments": {…}}, …]}, reported once the list is complete.</li>
 * </ul>
 * A call is committed when its arguments start with {@code {}; until then (bad name, no {@code [ARGS]}, arguments
 * that are not an object) it is malformed and comes back as content, with a warning in the log. Arguments cut off by
 * the end of generation are kept as they are (also logged). The parser never throws on model output.
 *
 * <p>{@link #result()} is, by construction, the fold of every event ({@link ParsedOutput#fromEvents}), so streaming
 * and non-streaming answers agree.
 */
public final class OutputParser {
    private static final Logger log = LoggerFactory.getLogger(OutputParser.class);
    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

    private enum State { CONTENT, THINK, NAME, CALL_ID, ARGS, LIST, AFTER_CALL, DONE }

    private final Tokenizer tokenizer;
    private final StreamingDecoder decoder;
    private final Supplier<String> newId;
    private final int eos, toolCalls, args, callIdToken, think, endThink;

    private final List<OutputEvent> events = new ArrayList<>();
    private List<OutputEvent> out = new ArrayList<>();
    private State state = State.CONTENT;
    private int calls; // tool calls started so far
    private final StringBuilder pending = new StringBuilder(); // raw text of the call being read, for the fallback
    private final StringBuilder name = new StringBuilder();
    private final StringBuilder callId = new StringBuilder();
    private final StringBuilder arguments = new StringBuilder();
    private JsonScanner scanner;

    public OutputParser(Tokenizer tokenizer) {
        this(tokenizer, CallIds.generator());
    }

    /** @param newId makes the ids of calls the model gives none (tests pass a deterministic one) */
    public OutputParser(Tokenizer tokenizer, Supplier<String> newId) {
        this.tokenizer = tokenizer;
        this.decoder = tokenizer.streamingDecoder(SpecialTokenPolicy.IGNORE);
        this.newId = newId;
        this.eos = tokenizer.eosId();
        this.toolCalls = tokenizer.specialId("[TOOL_CALLS]").orElse(-1);
        this.args = tokenizer.specialId("[ARGS]").orElse(-1);
        this.callIdToken = tokenizer.specialId("[CALL_ID]").orElse(-1);
        this.think = tokenizer.specialId("[THINK]").orElse(-1);
        this.endThink = tokenizer.specialId("[/THINK]").orElse(-1);
    }

    /** Parses a whole answer (EOS optional). */
    public static ParsedOutput parse(Tokenizer tokenizer, int[] ids, Supplier<String> newId) {
        OutputParser p = new OutputParser(tokenizer, newId);
        p.push(ids);
        p.finish();
        return p.result();
    }

    public static ParsedOutput parse(Tokenizer tokenizer, int[] ids) {
        return parse(tokenizer, ids, CallIds.generator());
    }

    /** Feeds one generated id; returns the events it completes (often none, never null). EOS finishes the answer. */
    public List<OutputEvent> push(int id) {
        out = new ArrayList<>();
        if (state != State.DONE) {
            if (id == eos) end();
            else if (tokenizer.isSpecial(id)) special(id);
            else text(decoder.push(id));
        }
        events.addAll(out);
        return out;
    }

    /** Feeds several ids. */
    public List<OutputEvent> push(int[] ids) {
        List<OutputEvent> all = new ArrayList<>();
        for (int id : ids) all.addAll(push(id));
        return all;
    }

    /** Ends the answer (generation stopped without EOS, or after it): flushes text and closes any open call. */
    public List<OutputEvent> finish() {
        out = new ArrayList<>();
        if (state != State.DONE) end();
        events.addAll(out);
        return out;
    }

    /** Everything so far, folded; call after {@link #finish()} for the final answer. */
    public ParsedOutput result() {
        return ParsedOutput.fromEvents(events);
    }

    // ---- transitions ----

    private void end() {
        text(decoder.flush());
        closeCall();
        state = State.DONE;
    }

    private void special(int id) {
        text(decoder.flush());
        if (id == toolCalls) {
            closeCall();
            state = State.NAME;
            pending.setLength(0);
            pending.append("[TOOL_CALLS]");
            name.setLength(0);
            callId.setLength(0);
        } else if (id == callIdToken && state == State.NAME) {
            pending.append("[CALL_ID]");
            state = State.CALL_ID;
        } else if (id == args && (state == State.NAME || state == State.CALL_ID)) {
            pending.append("[ARGS]");
            beginArguments();
        } else if (id == think) {
            closeCall();
            state = State.THINK;
        } else if (id == endThink) {
            if (state == State.THINK) state = State.CONTENT;
        } else if (state == State.NAME || state == State.CALL_ID) {
            malformed("unexpected control token " + new String(tokenizer.tokenBytes(id), java.nio.charset.StandardCharsets.UTF_8) + " inside a tool call");
        }
        // Any other control token carries no text for the client.
    }

    private void beginArguments() {
        String n = name.toString().strip();
        if (!NAME.matcher(n).matches()) {
            malformed("invalid function name '" + n + "'");
            return;
        }
        state = State.ARGS;
        scanner = new JsonScanner();
        arguments.setLength(0);
    }

    private void text(String s) {
        int i = 0;
        while (i < s.length()) {
            switch (state) {
                case CONTENT -> {
                    emit(new OutputEvent.Content(s.substring(i)));
                    return;
                }
                case THINK -> {
                    emit(new OutputEvent.Reasoning(s.substring(i)));
                    return;
                }
                case AFTER_CALL -> {
                    // White space between or after calls is layout, not content.
                    while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
                    if (i < s.length()) state = State.CONTENT;
                }
                case CALL_ID -> {
                    pending.append(s, i, s.length());
                    callId.append(s, i, s.length());
                    return;
                }
                case NAME -> i = nameText(s, i);
                case ARGS -> i = argumentText(s, i);
                case LIST -> i = listText(s, i);
                case DONE -> {
                    return;
                }
            }
        }
    }

    /** Name characters until [ARGS]; a name followed directly by '{' also starts the arguments; '[' or '{' first is a v3/v7 JSON call list. */
    private int nameText(String s, int i) {
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean noName = name.toString().isBlank();
            if (noName && (c == '[' || c == '{')) {
                state = State.LIST;
                scanner = new JsonScanner();
                arguments.setLength(0);
                return i;
            }
            if (c == '{') {
                beginArguments();
                return i;
            }
            pending.append(c);
            name.append(c);
        }
        return i;
    }

    private int argumentText(String s, int i) {
        int start = -1;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!scanner.started()) {
                if (Character.isWhitespace(c)) {
                    pending.append(c);
                    continue;
                }
                if (c != '{') {
                    malformed("arguments of " + name.toString().strip() + " do not start with '{'");
                    return i;
                }
                String given = callId.toString().strip();
                emit(new OutputEvent.ToolCallStart(calls++, CallIds.isValid(given) ? given : newId.get(), name.toString().strip()));
            }
            if (start < 0) start = i;
            scanner.accept(c);
            if (scanner.done()) {
                emitArguments(s.substring(start, i + 1));
                checkArguments();
                state = State.AFTER_CALL;
                return i + 1;
            }
        }
        if (start >= 0) emitArguments(s.substring(start));
        return i;
    }

    private void emitArguments(String piece) {
        arguments.append(piece);
        emit(new OutputEvent.ToolCallArguments(calls - 1, piece));
    }

    /** v3/v7: the whole JSON list is read, then parsed. */
    private int listText(String s, int i) {
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            pending.append(c);
            if (!scanner.started() && Character.isWhitespace(c)) continue;
            arguments.append(c);
            scanner.accept(c);
            if (scanner.done()) {
                emitList();
                return i + 1;
            }
        }
        return i;
    }

    private void emitList() {
        Optional<JsonNode> parsed = PythonJson.loads(arguments.toString());
        JsonNode list = parsed.orElse(null);
        if (list != null && list.isObject()) list = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(list);
        boolean ok = list != null && list.isArray() && !list.isEmpty();
        if (ok) for (JsonNode c : list) ok &= c.isObject() && c.path("name").isTextual() && NAME.matcher(c.get("name").textValue()).matches();
        if (!ok) {
            malformed("tool call list is not a JSON list of {\"name\", \"arguments\"} objects");
            return;
        }
        for (JsonNode c : list) {
            String id = c.path("id").isTextual() && CallIds.isValid(c.get("id").textValue()) ? c.get("id").textValue() : newId.get();
            JsonNode a = c.get("arguments");
            String argText = a == null || a.isNull() ? "{}" : a.isTextual() ? a.textValue() : PythonJson.dumps(a);
            emit(new OutputEvent.ToolCallStart(calls++, id, c.get("name").textValue()));
            emit(new OutputEvent.ToolCallArguments(calls - 1, argText));
        }
        state = State.AFTER_CALL;
    }

    /** Ends the call being read (at the next [TOOL_CALLS], [THINK] or the end of the answer). */
    private void closeCall() {
        switch (state) {
            case NAME, CALL_ID -> malformed("tool call " + pending + " has no arguments");
            case LIST -> malformed("tool call list is incomplete");
            case ARGS -> {
                if (!scanner.started()) malformed("tool call " + pending + " has no arguments");
                else {
                    log.warn("tool call {} ({}): arguments end before their JSON is complete: {}", calls - 1,
                            name.toString().strip(), abbreviate(arguments));
                    state = State.CONTENT;
                }
            }
            case AFTER_CALL -> state = State.CONTENT;
            default -> {
            }
        }
    }

    private void checkArguments() {
        if (PythonJson.loads(arguments.toString()).isEmpty())
            log.warn("tool call {} ({}): arguments are not valid JSON: {}", calls - 1, name.toString().strip(), abbreviate(arguments));
    }

    /** Gives the raw text of a call that never became one back as content. */
    private void malformed(String why) {
        log.warn("malformed tool call returned as content: {}: {}", why, abbreviate(pending));
        String raw = pending.toString();
        pending.setLength(0);
        state = State.CONTENT;
        if (!raw.isEmpty()) emit(new OutputEvent.Content(raw));
    }

    private void emit(OutputEvent e) {
        out.add(e);
    }

    private static String abbreviate(CharSequence s) {
        return s.length() <= 200 ? s.toString() : s.subSequence(0, 200) + "…";
    }
}
