package io.sirocco.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Rust-regex patterns must keep their Rust meaning on java.util.regex. */
class RegexSplitterTest {

    static List<String> split(String pattern, String text) {
        return new RegexSplitter(pattern).split(text);
    }

    @Test
    void whitespaceIsUnicodeWhiteSpace() {
        assertThat(split("\\s+", "a\u0085b\u00a0c\u3000d\u001ce")).containsExactly("a", "\u0085", "b", "\u00a0", "c", "\u3000", "d\u001ce");
        assertThat(split("[^\\s]+", "a\u2028b")).containsExactly("a", "\u2028", "b");
        assertThat(split("\\S+", "a\u00a0b")).containsExactly("a", "\u00a0", "b");
    }

    @Test
    void digitsAndWordsAreUnicode() {
        assertThat(split("\\d+", "x١٢٣y")).containsExactly("x", "١٢٣", "y");
        assertThat(split("\\w+", "né 東京")).containsExactly("né", " ", "東京");
    }

    @Test
    void dollarIsEndOfTextAndDotStopsOnlyAtNewline() {
        assertThat(split("a$", "a\n")).containsExactly("a\n"); // no match: "a" is not at the very end
        assertThat(split(".+", "a\rb\u2028c\nd")).containsExactly("a\rb\u2028c", "\n", "d");
    }

    @Test
    void scriptsByBareName() {
        assertThat(split("\\p{Han}+", "ab日本cd")).containsExactly("ab", "日本", "cd");
        assertThat(split("\\p{L}+|\\pN+", "ab12")).containsExactly("ab", "12");
    }

    @Test
    void caseInsensitiveGroupsFoldUnicode() {
        assertThat(split("(?i:é)+", "ÉéÉ")).containsExactly("ÉéÉ");
    }

    @Test
    void literalBracketInClass() {
        assertThat(split("[]a]+", "x]a]x")).containsExactly("x", "]a]", "x");
    }

    @Test
    void patternsChainLikeLlamaCpp() {
        // The second pattern re-splits the pieces of the first; unmatched text stays as its own piece.
        assertThat(new RegexSplitter(List.of("\\p{N}+", "[0-9]{2}")).split("ab1234c")).containsExactly("ab", "12", "34", "c");
    }

    @Test
    void supplementaryCharactersAreOneCodePoint() {
        assertThat(split(RegexSplitter.TEKKEN, "😀😀 a")).containsExactly("😀😀", " a");
        assertThat(split(RegexSplitter.TEKKEN, "𝐀𝐛c")).containsExactly("𝐀𝐛c");
    }

    @Test
    void badPatternIsAClearError() {
        assertThatThrownBy(() -> new RegexSplitter("(unclosed")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pattern");
    }
}
