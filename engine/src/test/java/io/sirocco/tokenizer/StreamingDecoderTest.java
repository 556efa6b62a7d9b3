package io.sirocco.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.testing.TestData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {
    static TekkenTokenizer tekken;

    @BeforeAll
    static void load() {
        tekken = TekkenTokenizer.load(TestData.file("mistral-tiny/native/tekken.json"));
    }

    /** Byte-fallback ids: with 8192 ids most emoji and CJK characters become one token per UTF-8 byte. */
    static int[] byteTokens(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) ids[i] = 1000 + (b[i] & 0xff);
        return ids;
    }

    /** Streams ids; every chunk must be well-formed text (no lone surrogate, no U+FFFD) and the sum equals decode. */
    static void assertStreams(Tokenizer tok, int[] ids, SpecialTokenPolicy policy) {
        StreamingDecoder d = tok.streamingDecoder(policy);
        StringBuilder all = new StringBuilder();
        for (int id : ids) {
            String chunk = d.push(id);
            assertThat(chunk).doesNotContain("\uFFFD");
            assertThat(isWellFormed(chunk)).as("chunk %s", chunk).isTrue();
            all.append(chunk);
        }
        String rest = d.flush();
        all.append(rest);
        assertThat(all.toString()).isEqualTo(tok.decode(ids, policy));
    }

    static boolean isWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) return false;
                i++;
            } else if (Character.isLowSurrogate(c)) return false;
        }
        return true;
    }

    @Test
    void byteByByteEmojiAndCjk() {
        for (String text : List.of("😀👍🏽 家族👨‍👩‍👧", "東京は日本の首都です。", "Ελληνικά, हिन्दी, 한국어", "a😀b")) {
            int[] ids = byteTokens(text);
            assertStreams(tekken, ids, SpecialTokenPolicy.IGNORE);
            assertThat(tekken.decode(ids, SpecialTokenPolicy.IGNORE)).isEqualTo(text);
        }
    }

    @Test
    void holdsBackUntilTheCharacterIsComplete() {
        StreamingDecoder d = tekken.streamingDecoder(SpecialTokenPolicy.IGNORE);
        int[] ids = byteTokens("😀"); // F0 9F 98 80
        assertThat(d.push(ids[0])).isEmpty();
        assertThat(d.push(ids[1])).isEmpty();
        assertThat(d.push(ids[2])).isEmpty();
        assertThat(d.push(ids[3])).isEqualTo("😀");
        assertThat(d.flush()).isEmpty();
    }

    @Test
    void realEncodingsStream() {
        for (Goldens.Line l : Goldens.jsonl("tokenizer/public-8k.jsonl")) {
            assertStreams(tekken, l.ids(), SpecialTokenPolicy.IGNORE);
        }
    }

    @Test
    void specialTokenPolicies() {
        int[] hello = tekken.encode("Héllo 😀");
        int[] ids = new int[hello.length + 3];
        ids[0] = 1;
        ids[1] = 3;
        System.arraycopy(hello, 0, ids, 2, hello.length);
        ids[ids.length - 1] = 4;
        assertStreams(tekken, ids, SpecialTokenPolicy.KEEP);
        assertStreams(tekken, ids, SpecialTokenPolicy.IGNORE);
        assertThat(tekken.decode(ids, SpecialTokenPolicy.KEEP)).isEqualTo("<s>[INST]Héllo 😀[/INST]");
        assertThat(tekken.decode(ids, SpecialTokenPolicy.IGNORE)).isEqualTo("Héllo 😀");
    }

    @Test
    void incompleteTailBecomesReplacementOnFlush() {
        StreamingDecoder d = tekken.streamingDecoder(SpecialTokenPolicy.IGNORE);
        int[] ids = byteTokens("😀");
        assertThat(d.push(ids[0]) + d.push(ids[1])).isEmpty();
        assertThat(d.flush()).isEqualTo("\uFFFD");
        // A stray continuation byte can never complete: it is released at once.
        StreamingDecoder e = tekken.streamingDecoder(SpecialTokenPolicy.IGNORE);
        assertThat(e.push(1000 + 0x80)).isEqualTo("\uFFFD");
    }

    @Test
    void utf8CompletePrefix() {
        byte[] b = "a€".getBytes(StandardCharsets.UTF_8); // 61 E2 82 AC
        assertThat(Utf8StreamingDecoder.completePrefix(b, 1)).isEqualTo(1);
        assertThat(Utf8StreamingDecoder.completePrefix(b, 2)).isEqualTo(1);
        assertThat(Utf8StreamingDecoder.completePrefix(b, 3)).isEqualTo(1);
        assertThat(Utf8StreamingDecoder.completePrefix(b, 4)).isEqualTo(4);
    }
}
