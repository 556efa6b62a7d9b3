package io.sirocco.chat.output;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.chat.output.ParsedOutput.ToolCallOut;
import io.sirocco.testing.TestData;
import io.sirocco.tokenizer.TekkenTokenizer;
import io.sirocco.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OutputParserTest {
    static Tokenizer tok;
    static int EOS, TOOL_CALLS, ARGS, CALL_ID, THINK, END_THINK;

    @BeforeAll
    static void load() {
        tok = TekkenTokenizer.load(TestData.file("mistral-tiny/native/tekken.json"));
        EOS = tok.eosId();
        TOOL_CALLS = tok.specialId("[TOOL_CALLS]").orElseThrow();
        ARGS = tok.specialId("[ARGS]").orElseThrow();
        CALL_ID = tok.specialId("[CALL_ID]").orElseThrow();
        THINK = tok.specialId("[THINK]").orElseThrow();
        END_THINK = tok.specialId("[/THINK]").orElseThrow();
    }

    /** Builds an id sequence from text pieces and special ids. */
    static int[] seq(Object... parts) {
        List<Integer> ids = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof Integer i) ids.add(i);
            else for (int id : tok.encode((String) p)) ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    static Supplier<String> ids() {
        int[] n = {0};
        return () -> String.format("gen%06d", n[0]++);
    }

    static ParsedOutput parse(Object... parts) {
        return OutputParser.parse(tok, seq(parts), ids());
    }

    @Test
    void plainContent() {
        assertThat(parse("Hello, world! 🙂", EOS)).isEqualTo(new ParsedOutput("Hello, world! 🙂", "", List.of()));
    }

    @Test
    void specialTokenTextInContentIsJustText() {
        assertThat(parse("use [TOOL_CALLS] and [ARGS] {x}", EOS).content()).isEqualTo("use [TOOL_CALLS] and [ARGS] {x}");
    }

    @Test
    void v13CallWithoutId() {
        ParsedOutput p = parse(TOOL_CALLS, "get_weather", ARGS, "{\"city\": \"Paris\"}", EOS);
        assertThat(p.content()).isEmpty();
        assertThat(p.contentOrNull()).isNull();
        assertThat(p.toolCalls()).containsExactly(new ToolCallOut("gen000000", "get_weather", "{\"city\": \"Paris\"}"));
    }

    @Test
    void v11CallWithModelIdKeepsIt() {
        ParsedOutput p = parse(TOOL_CALLS, "f", CALL_ID, "a1B2c3D4e", ARGS, "{}", EOS);
        assertThat(p.toolCalls()).containsExactly(new ToolCallOut("a1B2c3D4e", "f", "{}"));
    }

    @Test
    void invalidModelIdIsReplaced() {
        ParsedOutput p = parse(TOOL_CALLS, "f", CALL_ID, "call_1", ARGS, "{}", EOS);
        assertThat(p.toolCalls().get(0).id()).isEqualTo("gen000000");
    }

    @Test
    void generatedIdsAreNineAlphanumerics() {
        ParsedOutput p = OutputParser.parse(tok, seq(TOOL_CALLS, "f", ARGS, "{}", EOS));
        assertThat(p.toolCalls().get(0).id()).matches("[a-zA-Z0-9]{9}");
    }

    @Test
    void parallelCallsAfterContent() {
        ParsedOutput p = parse("Let me check.", TOOL_CALLS, "a", ARGS, "{\"x\": [1, {\"y\": \"}\"}]}",
                TOOL_CALLS, "b_2", ARGS, "{\"q\": \"\\\"{[\"}", EOS);
        assertThat(p.content()).isEqualTo("Let me check.");
        assertThat(p.toolCalls()).containsExactly(
                new ToolCallOut("gen000000", "a", "{\"x\": [1, {\"y\": \"}\"}]}"),
                new ToolCallOut("gen000001", "b_2", "{\"q\": \"\\\"{[\"}"));
    }

    @Test
    void reasoningThenContentThenCall() {
        ParsedOutput p = parse(THINK, "I should call f.", END_THINK, "Calling.", TOOL_CALLS, "f", ARGS, "{}", EOS);
        assertThat(p).isEqualTo(new ParsedOutput("Calling.", "I should call f.", List.of(new ToolCallOut("gen000000", "f", "{}"))));
    }

    @Test
    void unclosedThinkIsAllReasoning() {
        assertThat(parse(THINK, "still thinking", EOS)).isEqualTo(new ParsedOutput("", "still thinking", List.of()));
    }

    @Test
    void nameFollowedDirectlyByJsonWithoutArgsToken() {
        assertThat(parse(TOOL_CALLS, "f{\"a\": 1}", EOS).toolCalls()).containsExactly(new ToolCallOut("gen000000", "f", "{\"a\": 1}"));
    }

    @Test
    void invalidNameComesBackAsContent() {
        ParsedOutput p = parse("x", TOOL_CALLS, "bad name!", ARGS, "{\"a\": 1}", EOS);
        assertThat(p.toolCalls()).isEmpty();
        assertThat(p.content()).isEqualTo("x[TOOL_CALLS]bad name![ARGS]{\"a\": 1}");
    }

    @Test
    void callWithoutArgumentsComesBackAsContent() {
        ParsedOutput p = parse(TOOL_CALLS, "get_weather", EOS);
        assertThat(p.toolCalls()).isEmpty();
        assertThat(p.content()).isEqualTo("[TOOL_CALLS]get_weather");
    }

    @Test
    void argumentsThatAreNotAnObjectComeBackAsContent() {
        ParsedOutput p = parse(TOOL_CALLS, "f", ARGS, "not json", EOS);
        assertThat(p.toolCalls()).isEmpty();
        assertThat(p.content()).isEqualTo("[TOOL_CALLS]f[ARGS]not json");
    }

    @Test
    void truncatedArgumentsAreKeptAsWritten() {
        ParsedOutput p = parse(TOOL_CALLS, "f", ARGS, "{\"a\": \"unfinished");
        assertThat(p.toolCalls()).containsExactly(new ToolCallOut("gen000000", "f", "{\"a\": \"unfinished"));
    }

    @Test
    void textAfterACompleteCallIsContent() {
        ParsedOutput p = parse(TOOL_CALLS, "f", ARGS, "{} \n", "done", EOS);
        assertThat(p.toolCalls()).hasSize(1);
        assertThat(p.content()).isEqualTo("done");
    }

    @Test
    void oldJsonListFormat() {
        ParsedOutput p = parse(TOOL_CALLS, "[{\"name\": \"f\", \"arguments\": {\"a\": 1e10}}, {\"name\": \"g\", \"arguments\": {}, \"id\": \"abcDEF123\"}]", EOS);
        assertThat(p.toolCalls()).containsExactly(new ToolCallOut("gen000000", "f", "{\"a\": 10000000000.0}"),
                new ToolCallOut("abcDEF123", "g", "{}"));
    }

    @Test
    void malformedOldListComesBackAsContent() {
        ParsedOutput p = parse(TOOL_CALLS, "[{\"name\": \"f\", \"arguments\": {\"a\": }]", EOS);
        assertThat(p.toolCalls()).isEmpty();
        assertThat(p.content()).isEqualTo("[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"a\": }]");
    }

    @Test
    void streamingEventsArriveInOrderAndIncrementally() {
        OutputParser p = new OutputParser(tok, ids());
        List<OutputEvent> events = new ArrayList<>();
        for (int id : seq("Hi", TOOL_CALLS, "f", ARGS, "{\"text\": \"a long argument\"}", EOS)) events.addAll(p.push(id));
        int start = events.indexOf(new OutputEvent.ToolCallStart(0, "gen000000", "f"));
        assertThat(ParsedOutput.fromEvents(events.subList(0, start)).content()).isEqualTo("Hi");
        assertThat(events.subList(0, start)).allMatch(e -> e instanceof OutputEvent.Content);
        assertThat(events.subList(start + 1, events.size())).allMatch(e -> e instanceof OutputEvent.ToolCallArguments a && a.index() == 0);
        assertThat(events.size() - start).isGreaterThan(3); // arguments stream in several deltas
        assertThat(p.push(seq("ignored after EOS"))).isEmpty();
    }
}
