package io.sirocco.chat.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.chat.PythonJson;
import io.sirocco.chat.output.ParsedOutput.ToolCallOut;
import io.sirocco.testing.TestData;
import io.sirocco.tokenizer.TekkenTokenizer;
import io.sirocco.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Generated answers (content, reasoning, one or several calls in the v11, v13 and v3/v7 forms, arguments with nested
 * JSON, unicode, escaped quotes and brackets inside strings) parse to what was generated, and streaming them in
 * random chunkings folds to exactly the non-streaming result.
 */
class OutputParserPropertyTest {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = TekkenTokenizer.load(TestData.file("mistral-tiny/native/tekken.json"));
    }

    static final String[] WORDS = {"hello", "Paris", "é", "日本語", "🙂", "\"quoted\"", "{brace}", "[bracket]", "\\", "a\nb",
            "  ", "[TOOL_CALLS]", "}", "{", "\t", "naïve", "x=1;", "\u00a0", "ok"};

    static String text(Random r, int maxWords) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(maxWords);
        for (int i = 0; i < n; i++) sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextBoolean() ? " " : "");
        return sb.toString();
    }

    static JsonNode json(Random r, int depth) {
        int kind = depth <= 0 ? 2 + r.nextInt(4) : r.nextInt(6);
        return switch (kind) {
            case 0 -> {
                ObjectNode o = F.objectNode();
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) o.set(text(r, 2), json(r, depth - 1));
                yield o;
            }
            case 1 -> {
                ArrayNode a = F.arrayNode();
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) a.add(json(r, depth - 1));
                yield a;
            }
            case 2 -> F.textNode(text(r, 4));
            case 3 -> F.numberNode(r.nextInt(2000) - 1000);
            case 4 -> F.booleanNode(r.nextBoolean());
            default -> r.nextBoolean() ? F.nullNode() : F.numberNode(r.nextInt(1000) / 8.0);
        };
    }

    static ObjectNode arguments(Random r) {
        ObjectNode o = F.objectNode();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) o.set(text(r, 2), json(r, 3));
        return o;
    }

    static String name(Random r) {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
        StringBuilder sb = new StringBuilder();
        int n = 1 + r.nextInt(20);
        for (int i = 0; i < n; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return sb.toString();
    }

    static Supplier<String> ids() {
        int[] n = {0};
        return () -> String.format("gen%06d", n[0]++);
    }

    record Case(int[] ids, ParsedOutput expected) {}

    static void add(List<Integer> out, int id) {
        out.add(id);
    }

    static void add(List<Integer> out, String text) {
        for (int id : tok.encode(text)) out.add(id);
    }

    static Case generate(Random r) {
        List<Integer> ids = new ArrayList<>();
        String reasoning = "", content = "";
        List<ToolCallOut> calls = new ArrayList<>();
        if (r.nextInt(3) == 0) {
            reasoning = text(r, 8);
            add(ids, tok.specialId("[THINK]").orElseThrow());
            add(ids, reasoning);
            add(ids, tok.specialId("[/THINK]").orElseThrow());
        }
        if (r.nextInt(4) != 0) {
            content = text(r, 10);
            add(ids, content);
        }
        int nCalls = r.nextInt(4);
        int form = r.nextInt(3); // 0: v13 name[ARGS], 1: v11 with [CALL_ID], 2: v3/v7 JSON list
        int gen = 0;
        if (nCalls > 0 && form == 2) {
            ArrayNode list = F.arrayNode();
            for (int i = 0; i < nCalls; i++) {
                ObjectNode c = F.objectNode();
                String name = name(r);
                ObjectNode a = arguments(r);
                c.put("name", name);
                c.set("arguments", a);
                list.add(c);
                calls.add(new ToolCallOut(String.format("gen%06d", gen++), name, PythonJson.dumps(a)));
            }
            add(ids, tok.specialId("[TOOL_CALLS]").orElseThrow());
            add(ids, PythonJson.dumps(list));
        } else {
            for (int i = 0; i < nCalls; i++) {
                String name = name(r);
                String args = PythonJson.dumps(arguments(r));
                String id;
                add(ids, tok.specialId("[TOOL_CALLS]").orElseThrow());
                add(ids, name);
                if (form == 1) {
                    id = io.sirocco.chat.output.CallIds.random(r);
                    add(ids, tok.specialId("[CALL_ID]").orElseThrow());
                    add(ids, id);
                } else {
                    id = String.format("gen%06d", gen++);
                }
                add(ids, tok.specialId("[ARGS]").orElseThrow());
                add(ids, args);
                calls.add(new ToolCallOut(id, name, args));
            }
        }
        if (r.nextInt(5) != 0) add(ids, tok.eosId());
        return new Case(ids.stream().mapToInt(Integer::intValue).toArray(), new ParsedOutput(content, reasoning, calls));
    }

    @Test
    void streamingInAnyChunkingEqualsTheWholeParse() {
        Random r = new Random(20250611);
        int withCalls = 0;
        for (int n = 0; n < 600; n++) {
            Case c = generate(r);
            ParsedOutput whole = OutputParser.parse(tok, c.ids(), ids());
            assertThat(whole).as("case %d", n).isEqualTo(c.expected());
            if (whole.hasToolCalls()) withCalls++;

            for (int chunking = 0; chunking < 3; chunking++) {
                OutputParser p = new OutputParser(tok, ids());
                List<OutputEvent> events = new ArrayList<>();
                int i = 0;
                while (i < c.ids().length) {
                    int len = chunking == 0 ? 1 : 1 + r.nextInt(chunking == 1 ? 4 : 40);
                    int[] chunk = java.util.Arrays.copyOfRange(c.ids(), i, Math.min(c.ids().length, i + len));
                    events.addAll(p.push(chunk));
                    i += chunk.length;
                }
                events.addAll(p.finish());
                assertThat(ParsedOutput.fromEvents(events)).as("case %d chunking %d", n, chunking).isEqualTo(whole);
                assertThat(p.result()).isEqualTo(whole);
            }
        }
        assertThat(withCalls).isGreaterThan(300);
    }
}
