package io.sirocco.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.image.ImageConfig;
import io.sirocco.testing.TestData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TekkenTokenizerTest {
    static TekkenTokenizer full;
    static TekkenTokenizer small;
    static long fullLoadMillis;

    @BeforeAll
    static void load() {
        long t0 = System.nanoTime();
        full = TekkenTokenizer.load(TestData.file("tekken/tekken.json"));
        fullLoadMillis = (System.nanoTime() - t0) / 1_000_000;
        small = TekkenTokenizer.load(TestData.file("mistral-tiny/native/tekken.json"));
    }

    @Test
    void metadata() {
        assertThat(full.vocabSize()).isEqualTo(131072);
        assertThat(small.vocabSize()).isEqualTo(8192);
        assertThat(full.version()).contains("v11");
        assertThat(full.bosId()).isEqualTo(1);
        assertThat(full.eosId()).isEqualTo(2);
        assertThat(full.specialId("[INST]")).hasValue(3);
        assertThat(full.specialId("[ARGS]")).hasValue(32);
        assertThat(full.specialId("[CALL_ID]")).hasValue(33);
        assertThat(full.specialId("<SPECIAL_999>")).hasValue(999);
        assertThat(full.specialId("nope")).isEmpty();
        assertThat(full.isSpecial(999)).isTrue();
        assertThat(full.isSpecial(1000)).isFalse();
        assertThat(full.imageConfig()).contains(new ImageConfig(14, 1540, 2));
        assertThat(full.modelSettingsBuilder()).isEmpty();
        assertThat(full.tokenBytes(1000 + 'a')).containsExactly('a');
        assertThat(full.tokenBytes(3)).containsExactly("[INST]".getBytes());
    }

    @Test
    void loadsFast() {
        // CPU time of this thread, not wall time: the test machines' cores are shared with other builds.
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long wall0 = System.nanoTime(), cpu0 = threads.getCurrentThreadCpuTime();
        TekkenTokenizer.load(TestData.file("tekken/tekken.json"));
        long cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1_000_000, wall = (System.nanoTime() - wall0) / 1_000_000;
        System.out.println("tekken.json (9 MB): first load " + fullLoadMillis + " ms wall; second load " + cpu
                + " ms CPU, " + wall + " ms wall");
        assertThat(cpu).isLessThan(1000);
    }

    @Test
    void publishedVectors() {
        JsonNode cases = Goldens.tree("tekken/vectors-real.json");
        assertThat(cases.size()).isEqualTo(12);
        for (JsonNode c : cases) {
            int[] body = full.encode(c.get("text").asText());
            int[] ids = new int[body.length + 1];
            ids[0] = full.bosId();
            System.arraycopy(body, 0, ids, 1, body.length);
            assertThat(ids).as(c.get("title").asText()).containsExactly(Goldens.ids(c.get("ids")));
        }
    }

    @Test
    void publicFullVocabulary() {
        checkAll(full, Goldens.jsonl("tokenizer/public.jsonl"));
    }

    @Test
    void public8kVocabulary() {
        checkAll(small, Goldens.jsonl("tokenizer/public-8k.jsonl"));
    }

    static void checkAll(Tokenizer tok, List<Goldens.Line> lines) {
        assertThat(lines).hasSize(213);
        List<String> failures = new ArrayList<>();
        for (Goldens.Line l : lines) {
            int[] got = tok.encode(l.text());
            if (!Arrays.equals(got, l.ids()))
                failures.add("line " + l.index() + " " + l.text().substring(0, Math.min(40, l.text().length()))
                        + "\n  want " + Arrays.toString(l.ids()) + "\n  got  " + Arrays.toString(got));
            if (!tok.decode(l.ids(), SpecialTokenPolicy.IGNORE).equals(l.text()))
                failures.add("line " + l.index() + " does not decode back");
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void specialStringsAreText() {
        int[] ids = full.encode("[INST]</s><s>");
        assertThat(Arrays.stream(ids).allMatch(id -> id >= 1000)).isTrue();
        assertThat(full.decode(ids, SpecialTokenPolicy.IGNORE)).isEqualTo("[INST]</s><s>");
    }

    @Test
    void decodePolicies() {
        int[] ids = {1, 3, 22177, 4, 2};
        assertThat(full.decode(ids, SpecialTokenPolicy.KEEP)).isEqualTo("<s>[INST]Hello[/INST]</s>");
        assertThat(full.decode(ids, SpecialTokenPolicy.IGNORE)).isEqualTo("Hello");
    }

    @Test
    void longInputsAreLinear() {
        String spaces = " ".repeat(100_000);
        String letters = "abcdefghij".repeat(10_000);            // one 100 KB regex piece
        String cjk = "漢字仮名交じり文".repeat(12_000);
        StringBuilder prose = new StringBuilder();
        while (prose.length() < 100_000) prose.append("The quick brown fox, 42 times: jumps over the lazy dog!\n");
        for (String s : List.of(spaces, letters, cjk, prose.toString(), spaces + "x" + spaces)) {
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long t0 = threads.getCurrentThreadCpuTime();
            int[] ids = full.encode(s);
            long ms = (threads.getCurrentThreadCpuTime() - t0) / 1_000_000;
            assertThat(full.decode(ids, SpecialTokenPolicy.IGNORE)).isEqualTo(s);
            // Linear work is ~100 ms CPU here; a quadratic merge loop would take minutes.
            assertThat(ms).as("encoding %d chars took %d ms", s.length(), ms).isLessThan(10_000);
        }
    }

    @Test
    void unicodeWhitespaceFollowsRustRegex() {
        // U+0085 and U+00A0 are White_Space (split like spaces); U+001C..U+001F are not.
        assertThat(full.decode(full.encode("a\u0085\u00a0b\u001cc"), SpecialTokenPolicy.IGNORE)).isEqualTo("a\u0085\u00a0b\u001cc");
        RegexSplitter s = new RegexSplitter(RegexSplitter.TEKKEN);
        assertThat(s.split("a\u00a0\u00a0b")).containsExactly("a", "\u00a0", "\u00a0b");
        assertThat(s.split("a\u001c\u001cb")).containsExactly("a", "\u001c\u001c", "b");
        assertThat(s.split("x\n")).containsExactly("x", "\n");
    }
}
