package io.sirocco.sample.grammar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.testing.TestData;
import io.sirocco.tokenizer.TekkenTokenizer;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ToolCallGrammarTest {
    static TekkenTokenizer tok;
    static int TOOL_CALLS, ARGS, THINK, END_THINK, EOS;
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static final JsonNode WEATHER = JsonSchemaGrammarTest.json("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"maxLength\":10},"
            + "\"unit\":{\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\",\"unit\"],\"additionalProperties\":false}");
    static final JsonNode TIME = JsonSchemaGrammarTest.json("{\"type\":\"object\",\"properties\":{\"tz\":{\"type\":\"integer\",\"minimum\":-12,\"maximum\":14}},"
            + "\"required\":[\"tz\"],\"additionalProperties\":false}");

    @BeforeAll
    static void load() {
        tok = TekkenTokenizer.load(TestData.file("mistral-tiny/native/tekken.json"));
        TOOL_CALLS = tok.specialId("[TOOL_CALLS]").getAsInt();
        ARGS = tok.specialId("[ARGS]").getAsInt();
        THINK = tok.specialId("[THINK]").getAsInt();
        END_THINK = tok.specialId("[/THINK]").getAsInt();
        EOS = tok.eosId();
    }

    /** A decoded output: content before the first call, the calls, and the think text if any. */
    record Call(String name, JsonNode args) {}

    record Parsed(String think, String content, List<Call> calls) {}

    /** Splits ids like mistral-common's parser: [THINK]…[/THINK], content, then [TOOL_CALLS] name [ARGS] json. */
    static Parsed parse(List<Integer> ids) throws Exception {
        int i = 0;
        String think = null;
        if (!ids.isEmpty() && ids.get(0) == THINK) {
            int end = ids.indexOf(END_THINK);
            assertThat(end).as("[/THINK] closes the think block").isPositive();
            think = text(ids.subList(1, end));
            i = end + 1;
        }
        int firstCall = ids.subList(i, ids.size()).indexOf(TOOL_CALLS);
        int contentEnd = firstCall < 0 ? ids.size() : i + firstCall;
        String content = text(ids.subList(i, contentEnd));
        List<Call> calls = new ArrayList<>();
        i = contentEnd;
        while (i < ids.size()) {
            assertThat(ids.get(i)).isEqualTo(TOOL_CALLS);
            int args = ids.subList(i, ids.size()).indexOf(ARGS) + i;
            assertThat(args).isGreaterThan(i);
            int next = ids.subList(args, ids.size()).indexOf(TOOL_CALLS);
            int end = next < 0 ? ids.size() : args + next;
            String name = text(ids.subList(i + 1, args)).strip();
            for (int k = i + 1; k < end; k++) if (k != args) assertThat(tok.isSpecial(ids.get(k))).as("special inside a call").isFalse();
            calls.add(new Call(name, JSON.readTree(text(ids.subList(args + 1, end)))));
            i = end;
        }
        return new Parsed(think, content, calls);
    }

    static String text(List<Integer> ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            assertThat(tok.isSpecial(id)).as("special token %d in text", id).isFalse();
            out.writeBytes(tok.tokenBytes(id));
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static List<Parsed> walks(Grammar g, int n, long seed) throws Exception {
        Random rnd = new Random(seed);
        List<Parsed> out = new ArrayList<>();
        for (int run = 0; run < n; run++) {
            GrammarLogitsProcessor p = GrammarProcessors.forGrammar(g, tok);
            GrammarSampling.Sample s = GrammarSampling.walk(p, tok, rnd, 300, 0.4);
            if (s.complete()) out.add(parse(s.ids()));
        }
        assertThat(out.size()).as("completed walks").isGreaterThanOrEqualTo(n / 3);
        return out;
    }

    private static List<ToolSpec> strictTools() {
        return List.of(new ToolSpec("get_weather", WEATHER, true), new ToolSpec("get_time", TIME, true));
    }

    @Test
    void namedStrictToolIsForcedWithValidArguments() throws Exception {
        Grammar g = GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.NAMED, "get_time", false, null, false, tok);
        for (Parsed p : walks(g, 30, 1)) {
            assertThat(p.calls()).hasSize(1);
            assertThat(p.calls().get(0).name()).isEqualTo("get_time");
            assertThat(new MiniSchemaValidator(TIME).validate(p.calls().get(0).args())).isNull();
        }
    }

    @Test
    void anyModeStartsWithToolCallsAndParallelAllowsSeveral() throws Exception {
        Grammar g = GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.ANY, null, true, null, false, tok);
        GrammarLogitsProcessor first = GrammarProcessors.forGrammar(g, tok);
        assertThat(first.allowedTokens()).containsExactly(TOOL_CALLS);
        int maxCalls = 0;
        for (Parsed p : walks(g, 40, 2)) {
            assertThat(p.content()).isEmpty();
            assertThat(p.calls()).isNotEmpty();
            maxCalls = Math.max(maxCalls, p.calls().size());
            for (Call c : p.calls()) {
                assertThat(c.name()).isIn("get_weather", "get_time");
                assertThat(new MiniSchemaValidator(c.name().equals("get_time") ? TIME : WEATHER).validate(c.args())).isNull();
            }
        }
        assertThat(maxCalls).as("parallel calls seen").isGreaterThan(1);
    }

    @Test
    void nonParallelAllowsExactlyOneCallThenOnlyEos() throws Exception {
        Grammar g = GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.REQUIRED, null, false, null, false, tok);
        for (Parsed p : walks(g, 30, 3)) assertThat(p.calls()).hasSize(1);
        GrammarLogitsProcessor p = GrammarProcessors.forGrammar(g, tok);
        for (int id : ids("Let me check.")) p.accept(id);
        p.accept(TOOL_CALLS);
        for (int id : ids("get_time")) p.accept(id);
        p.accept(ARGS);
        for (int id : ids("{\"tz\": 2}" + " ".repeat(8))) p.accept(id);
        assertThat(p.allowedTokens()).containsExactly(EOS);
        p.accept(EOS);
        assertThat(p.isFinished()).isTrue();
    }

    @Test
    void nonStrictToolsAcceptAnyNameAndAnyObject() throws Exception {
        List<ToolSpec> tools = List.of(new ToolSpec("search", WEATHER, false));
        Grammar g = GrammarProcessors.toolCallGrammar(tools, ToolChoiceMode.AUTO, null, true, null, false, tok);
        GrammarMatcher m = new GrammarMatcher(g);
        assertThat(run(m, "[TOOL_CALLS]anything at all[ARGS]{\"x\": [1, 2]}").isAccepting()).isTrue();
        assertThat(run(m, "Sure.[TOOL_CALLS] search[ARGS] {}[TOOL_CALLS]b[ARGS]{\"q\":\"z\"}\n").isAccepting()).isTrue();
        assertThat(run(m, "[TOOL_CALLS]se\narch[ARGS]{}").isDead()).isTrue();   // /.+/ has no newline
        assertThat(run(m, "[TOOL_CALLS]search[ARGS][1]").isAccepting()).isFalse();
        assertThat(run(m, "[TOOL_CALLS][ARGS]{}").isDead()).isTrue();           // empty name
        assertThat(run(m, "").isAccepting()).isFalse();                           // content needs one byte
        assertThat(run(m, "hello").isAccepting()).isTrue();
        for (Parsed p : walks(g, 30, 4)) for (Call c : p.calls()) assertThat(c.args().isObject()).isTrue();
        Grammar named = GrammarProcessors.toolCallGrammar(tools, ToolChoiceMode.NAMED, "search", false, null, false, tok);
        assertThat(run(new GrammarMatcher(named), "[TOOL_CALLS]search[ARGS]{\"any\":1}").isAccepting()).isTrue();
        assertThat(run(new GrammarMatcher(named), "[TOOL_CALLS]other[ARGS]{}").isDead()).isTrue();
    }

    @Test
    void noneModeNeverEmitsToolCalls() throws Exception {
        Grammar g = GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.NONE, null, true, null, false, tok);
        Random rnd = new Random(5);
        for (int run = 0; run < 20; run++) {
            GrammarLogitsProcessor p = GrammarProcessors.forGrammar(g, tok);
            for (int step = 0; step < 30 && !p.isFinished(); step++) {
                int[] allowed = p.allowedTokens();
                for (int id : allowed) if (id != EOS && tok.isSpecial(id)) fail("special " + id + " allowed in none mode");
                int id = allowed[rnd.nextInt(allowed.length)];
                p.accept(id);
            }
        }
    }

    @Test
    void autoModeMixesContentAndCalls() throws Exception {
        Grammar g = GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.AUTO, null, false, null, false, tok);
        GrammarMatcher m = new GrammarMatcher(g);
        assertThat(run(m, "Hi there").isAccepting()).isTrue();
        assertThat(run(m, "Hi[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\", \"unit\": \"c\"}").isAccepting()).isTrue();
        assertThat(run(m, "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}").isAccepting()).isFalse();
        assertThat(run(m, "[TOOL_CALLS]get_date[ARGS]{}").isDead()).isTrue();
        assertThat(run(m, "[TOOL_CALLS]get_time[ARGS]{\"tz\": 2}[TOOL_CALLS]").isDead()).isTrue();   // not parallel
        assertThat(run(m, "[TOOL_CALLS]get_time[CALL_ID]abc[ARGS]{\"tz\": 2}").isDead()).isTrue();
        int withCalls = 0, textOnly = 0;
        for (Parsed p : walks(g, 40, 6)) {
            if (p.calls().isEmpty()) textOnly++;
            else withCalls++;
        }
        assertThat(withCalls + textOnly).isPositive();
    }

    @Test
    void thinkVariant() throws Exception {
        Grammar g = GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.REQUIRED, null, false, null, true, tok);
        GrammarMatcher m = new GrammarMatcher(g);
        assertThat(run(m, "[THINK]hmm[/THINK][TOOL_CALLS]get_time[ARGS]{\"tz\":0}").isAccepting()).isTrue();
        assertThat(run(m, "[THINK]hmm[/THINK]text[TOOL_CALLS]get_time[ARGS]{\"tz\":0}").isAccepting()).isTrue();
        assertThat(run(m, "[TOOL_CALLS]get_time[ARGS]{\"tz\":0}").isAccepting()).isTrue();
        assertThat(run(m, "[THINK][/THINK][TOOL_CALLS]get_time[ARGS]{\"tz\":0}").isDead()).isTrue();   // think needs content
        assertThat(run(m, "[THINK]a[/THINK]").isAccepting()).isFalse();
        Grammar none = GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.NONE, null, false, null, true, tok);
        assertThat(run(new GrammarMatcher(none), "[THINK]a[/THINK]answer").isAccepting()).isTrue();
        assertThat(run(new GrammarMatcher(none), "answer[THINK]").isDead()).isTrue();
        for (Parsed p : walks(g, 30, 7)) {
            assertThat(p.calls()).hasSize(1);
            if (p.think() != null) assertThat(p.think()).isNotEmpty();
        }
    }

    @Test
    void responseFormat() throws Exception {
        JsonNode jsonObject = JsonSchemaGrammarTest.json("{\"anyOf\":[{\"type\":\"object\"},{\"type\":\"array\"}]}");
        Grammar jsonOnly = GrammarProcessors.toolCallGrammar(List.of(), ToolChoiceMode.NONE, null, true, jsonObject, false, tok);
        GrammarMatcher m = new GrammarMatcher(jsonOnly);
        assertThat(run(m, " {\"a\": 1}").isAccepting()).isTrue();
        assertThat(run(m, "[1]").isAccepting()).isTrue();
        assertThat(run(m, "hello").isDead()).isTrue();
        assertThat(run(m, "1").isAccepting()).isFalse();
        Random rnd = new Random(8);
        for (int run = 0; run < 20; run++) {
            GrammarSampling.Sample s = GrammarSampling.walk(GrammarProcessors.forGrammar(jsonOnly, tok), tok, rnd, 300, 0.4);
            if (s.complete()) assertThat(JSON.readTree(s.bytes()).isContainerNode()).isTrue();
        }
        Grammar both = GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.AUTO, null, false, TIME, false, tok);
        GrammarMatcher b = new GrammarMatcher(both);
        assertThat(run(b, "{\"tz\": 3}").isAccepting()).isTrue();
        assertThat(run(b, "plain text").isAccepting()).isTrue();
        assertThat(run(b, "[TOOL_CALLS]get_time[ARGS]{\"tz\":1}").isAccepting()).isTrue();
    }

    @Test
    void invalidRequestsAreRejected() {
        assertThatThrownBy(() -> GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.NAMED, "nope", false, null, false, tok))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> GrammarProcessors.toolCallGrammar(List.of(), ToolChoiceMode.ANY, null, false, null, false, tok))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requires tools");
        JsonNode bad = JsonSchemaGrammarTest.json("{\"type\":\"string\",\"pattern\":\"x\"}");
        assertThatThrownBy(() -> GrammarProcessors.toolCallGrammar(List.of(new ToolSpec("t", bad, true)), ToolChoiceMode.AUTO, null, false, null, false, tok))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'pattern'");
    }

    @Test
    void emptyStrictParametersMeanEmptyObject() {
        Grammar g = GrammarProcessors.toolCallGrammar(List.of(new ToolSpec("ping", null, true)), ToolChoiceMode.ANY, null, false, null, false, tok);
        GrammarMatcher m = new GrammarMatcher(g);
        assertThat(run(m, "[TOOL_CALLS]ping[ARGS]{}").isAccepting()).isTrue();
        assertThat(run(m, "[TOOL_CALLS]ping[ARGS]{\"a\":1}").isDead()).isTrue();
    }

    private static int[] ids(String text) {
        return tok.encode(text);
    }

    /** Runs text in which [TOOL_CALLS], [ARGS], [CALL_ID], [THINK], [/THINK] stand for the special tokens. */
    static GrammarState run(GrammarMatcher m, String text) {
        GrammarState s = m.initial();
        java.util.regex.Matcher sp = java.util.regex.Pattern.compile("\\[(TOOL_CALLS|ARGS|CALL_ID|THINK|/THINK)]").matcher(text);
        int pos = 0;
        while (sp.find()) {
            s = m.stepBytes(s, text.substring(pos, sp.start()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            s = m.stepSpecial(s, tok.specialId(sp.group()).getAsInt());
            pos = sp.end();
        }
        return m.stepBytes(s, text.substring(pos).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void processMasksLogitsConsistentlyWithAllowedTokens() {
        Grammar g = GrammarProcessors.toolCallGrammar(strictTools(), ToolChoiceMode.ANY, null, false, null, false, tok);
        GrammarLogitsProcessor p = GrammarProcessors.forGrammar(g, tok);
        for (int id : new int[] {TOOL_CALLS}) p.accept(id);
        for (int id : ids("get_")) p.accept(id);
        int vocab = tok.vocabSize() + 100;   // the model may have more output rows than the tokenizer has ids
        float[] logits = new float[vocab + 7];
        java.util.Arrays.fill(logits, 1f);
        p.process(logits, 7, vocab);
        java.util.Set<Integer> allowed = new java.util.HashSet<>();
        for (int id : p.allowedTokens()) allowed.add(id);
        assertThat(allowed).isNotEmpty();
        for (int i = 0; i < 7; i++) assertThat(logits[i]).isEqualTo(1f);
        for (int i = 0; i < vocab; i++)
            assertThat(logits[7 + i]).as("id %d", i).isEqualTo(allowed.contains(i) ? 1f : Float.NEGATIVE_INFINITY);
        for (int id : allowed) assertThat(new String(tok.tokenBytes(id))).satisfiesAnyOf(
                t -> assertThat("weather".startsWith(t) || t.startsWith("weather")).isTrue(),
                t -> assertThat("time".startsWith(t) || t.startsWith("time")).isTrue());
    }
}
