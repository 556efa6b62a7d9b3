package io.sirocco.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Small hand-made vocabularies that pin down the merge order rules of the two GGUF kinds. */
class SyntheticGgufTokenizerTest {

    /** GPT-2 spelling of one byte (the inverse of the map the tokenizer reads). */
    static String spell(int b) {
        int extra = 0;
        for (int x = 0; x < 256; x++) {
            boolean printable = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
            if (x == b) return String.valueOf(printable ? (char) x : (char) (256 + extra));
            if (!printable) extra++;
        }
        throw new AssertionError();
    }

    /** ids 0..2 control, 3..258 the bytes, then the given merged tokens (GPT-2 spelling). */
    static Map<String, Object> gpt2(String pre, List<String> extraTokens, List<String> merges) {
        List<Object> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Object> types = new ArrayList<>(List.of(3L, 3L, 3L));
        for (int b = 0; b < 256; b++) {
            tokens.add(spell(b));
            types.add(1L);
        }
        for (String t : extraTokens) {
            tokens.add(t);
            types.add(1L);
        }
        Map<String, Object> m = new HashMap<>();
        m.put("tokenizer.ggml.model", "gpt2");
        if (pre != null) m.put("tokenizer.ggml.pre", pre);
        m.put("tokenizer.ggml.tokens", tokens);
        m.put("tokenizer.ggml.token_type", types);
        m.put("tokenizer.ggml.merges", new ArrayList<Object>(merges));
        m.put("tokenizer.ggml.bos_token_id", 1L);
        m.put("tokenizer.ggml.eos_token_id", 2L);
        return m;
    }

    @Test
    void gpt2MergesFollowMergeOrderNotTokenOrder() {
        // Tokens: 259 "ab", 260 "bc", 261 "abc". Merge list puts "b c" before "a b".
        Tokenizer t = Tokenizers.fromGgufMetadata(gpt2("gpt-2", List.of("ab", "bc", "abc"), List.of("b c", "a bc", "a b")));
        assertThat(t.encode("abc")).containsExactly(261); // b+c first, then a+bc
        Tokenizer u = Tokenizers.fromGgufMetadata(gpt2("gpt-2", List.of("ab", "bc", "abc"), List.of("a b", "b c")));
        assertThat(u.encode("abc")).containsExactly(259, 3 + 'c'); // a+b first; "ab c" is no merge
        assertThat(u.encode("bcbc")).containsExactly(260, 260);
    }

    @Test
    void gpt2LeftmostPairWinsTies() {
        Tokenizer t = Tokenizers.fromGgufMetadata(gpt2(null, List.of("aa"), List.of("a a")));
        assertThat(t.encode("aaa")).containsExactly(259, 3 + 'a');
    }

    @Test
    void gpt2PreTokenizersSplitBeforeMerging() {
        // "Ġa" = " a": GPT-2 pieces are " a" and " a", never "a a".
        Tokenizer t = Tokenizers.fromGgufMetadata(gpt2("gpt-2", List.of("Ġa", "aĠ"), List.of("Ġ a", "a Ġ")));
        assertThat(t.encode("a a a")).containsExactly(3 + 'a', 259, 259);
        assertThat(t.decode(t.encode("a a a"), SpecialTokenPolicy.IGNORE)).isEqualTo("a a a");
        Tokenizer d = Tokenizers.fromGgufMetadata(gpt2("default", List.of(), List.of()));
        assertThat(d.decode(d.encode("it's 1234 apples!!"), SpecialTokenPolicy.IGNORE)).isEqualTo("it's 1234 apples!!");
        Tokenizer l = Tokenizers.fromGgufMetadata(gpt2("llama-bpe", List.of(), List.of()));
        assertThat(l.decode(l.encode("IT'S 12345\n\n ok"), SpecialTokenPolicy.IGNORE)).isEqualTo("IT'S 12345\n\n ok");
    }

    @Test
    void gpt2ControlTokensAreNeverProducedFromText() {
        Tokenizer t = Tokenizers.fromGgufMetadata(gpt2("gpt-2", List.of(), List.of()));
        assertThat(t.encode("<s>")).containsExactly(3 + '<', 3 + 's', 3 + '>');
        assertThat(t.decode(new int[] {1, 3 + 'h', 2}, SpecialTokenPolicy.KEEP)).isEqualTo("<s>h</s>");
        assertThat(t.decode(new int[] {1, 3 + 'h', 2}, SpecialTokenPolicy.IGNORE)).isEqualTo("h");
    }

    static Map<String, Object> spm(List<String> pieces, List<Float> scores) {
        List<Object> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Object> types = new ArrayList<>(List.of(2L, 3L, 3L));
        List<Object> sc = new ArrayList<>(List.of(0f, 0f, 0f));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(6L);
            sc.add(0f);
        }
        for (int i = 0; i < pieces.size(); i++) {
            tokens.add(pieces.get(i));
            types.add(1L);
            sc.add(scores.get(i));
        }
        Map<String, Object> m = new HashMap<>();
        m.put("tokenizer.ggml.model", "llama");
        m.put("tokenizer.ggml.tokens", tokens);
        m.put("tokenizer.ggml.token_type", types);
        m.put("tokenizer.ggml.scores", sc);
        m.put("tokenizer.ggml.bos_token_id", 1L);
        m.put("tokenizer.ggml.eos_token_id", 2L);
        m.put("tokenizer.ggml.unknown_token_id", 0L);
        return m;
    }

    @Test
    void sentencePieceMergesHighestScoreFirstAndFallsBackToBytes() {
        // ids: 259 ▁, 260 a, 261 b, 262 ▁a, 263 ab, 264 ▁ab
        Map<String, Object> m = spm(List.of("▁", "a", "b", "▁a", "ab", "▁ab"), List.of(-1f, -1f, -1f, -5f, -2f, -3f));
        Tokenizer t = Tokenizers.fromGgufMetadata(m);
        // "ab" (score -2) beats "▁a" (-5); then "▁"+"ab" = "▁ab".
        assertThat(t.encode("ab")).containsExactly(264);
        // 'c' is not a piece: byte fallback <0x63>.
        assertThat(t.encode("ac")).containsExactly(262, 3 + 'c');
        assertThat(t.decode(t.encode("ab ac"), SpecialTokenPolicy.IGNORE)).isEqualTo("ab ac");
        m.put("tokenizer.ggml.add_space_prefix", false);
        Tokenizer noPrefix = Tokenizers.fromGgufMetadata(m);
        assertThat(noPrefix.encode("ab")).containsExactly(263);
        assertThat(noPrefix.decode(noPrefix.encode(" ab"), SpecialTokenPolicy.IGNORE)).isEqualTo(" ab");
    }

    @Test
    void encodeWithBosAndEos() {
        Tokenizer t = Tokenizers.fromGgufMetadata(gpt2("gpt-2", List.of(), List.of()));
        assertThat(t.encode("h", true, true)).containsExactly(1, 3 + 'h', 2);
        assertThat(t.encode("h", false, false)).containsExactly(3 + 'h');
    }
}
