package io.sirocco.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Pre-tokenizer: cuts text into pieces with regexes written for Rust's {@code regex}/{@code fancy-regex} (tiktoken,
 * Hugging Face) and run here on {@link java.util.regex}.
 *
 * <p>Translation, because the two dialects differ where it matters for tokenizer patterns:
 * <ul>
 *   <li>{@code \s}/{@code \S} are Unicode {@code White_Space} in Rust (U+0085 and U+00A0 are spaces; U+001C–U+001F
 *       are not); Java's default {@code \s} is ASCII. They become {@code \p{IsWhite_Space}}; {@code \d} becomes
 *       {@code \p{Nd}} and {@code \w} Java's Unicode word class, as in Rust.</li>
 *   <li>{@code \p{Han}} (a script by bare name) is {@code \p{IsHan}} in Java.</li>
 *   <li>{@code $} is end of text in Rust, but also "before a final line break" in Java: it becomes {@code \z}.</li>
 *   <li>{@code .} excludes only {@code \n} in Rust: {@link Pattern#UNIX_LINES}. Case-insensitive groups fold
 *       Unicode case: {@link Pattern#UNICODE_CASE}.</li>
 * </ul>
 * {@code \p{L}}, {@code \p{Lu}}, {@code \p{M}}, {@code \p{N}} … and look-ahead mean the same in both (Java's tables
 * follow its own Unicode version, which may differ from the Rust crate's for newly assigned characters).
 *
 * <p>Several patterns apply in sequence as in llama.cpp: each one re-splits every piece made by the previous ones.
 * Text that no pattern matches is kept as a piece of its own, so no character is ever lost.
 */
final class RegexSplitter {

    /** Tekken's pattern (tekken.json {@code config.pattern}, identical in all published Tekken files). */
    static final String TEKKEN = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
            + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
            + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** GPT-2's pattern. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

    /** Llama 3's pattern (tokenizer.json original). */
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** llama.cpp's fallback for BPE vocabularies without a known {@code pre} ("default"). */
    static final List<String> LLAMA_CPP_DEFAULT = List.of(
            "[\\p{P}\\$\\+<=>\\^~\\|]+",
            GPT2,
            "\\p{N}+",
            "[0-9][0-9][0-9]");

    private final List<Pattern> patterns;

    RegexSplitter(List<String> rustPatterns) {
        if (rustPatterns.isEmpty()) throw new IllegalArgumentException("no pre-tokenizer pattern");
        List<Pattern> compiled = new ArrayList<>();
        for (String p : rustPatterns) compiled.add(compile(p));
        this.patterns = List.copyOf(compiled);
    }

    RegexSplitter(String rustPattern) {
        this(List.of(rustPattern));
    }

    /** Compiles a Rust-regex-dialect pattern with Rust's meaning (see the class comment). */
    static Pattern compile(String rustPattern) {
        try {
            return Pattern.compile(translate(rustPattern), Pattern.UNIX_LINES | Pattern.UNICODE_CASE);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("pre-tokenizer pattern does not compile: " + e.getMessage(), e);
        }
    }

    static String translate(String p) {
        StringBuilder out = new StringBuilder(p.length() + 32);
        int classDepth = 0;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < p.length()) {
                char e = p.charAt(++i);
                switch (e) {
                    case 's' -> out.append("\\p{IsWhite_Space}");
                    case 'S' -> out.append(classDepth > 0 ? "[^\\p{IsWhite_Space}]" : "\\P{IsWhite_Space}");
                    case 'd' -> out.append("\\p{Nd}");
                    case 'D' -> out.append("\\P{Nd}");
                    case 'w' -> out.append(classDepth > 0 ? "\\p{IsAlphabetic}\\p{IsDigit}\\p{Mn}\\p{Mc}\\p{Me}\\p{Pc}\\p{IsJoin_Control}"
                            : "[\\p{IsAlphabetic}\\p{IsDigit}\\p{Mn}\\p{Mc}\\p{Me}\\p{Pc}\\p{IsJoin_Control}]");
                    case 'W' -> out.append("[^\\p{IsAlphabetic}\\p{IsDigit}\\p{Mn}\\p{Mc}\\p{Me}\\p{Pc}\\p{IsJoin_Control}]");
                    case 'p', 'P' -> i = property(p, i, e, out);
                    default -> out.append(c).append(e);
                }
            } else if (c == '[') {
                classDepth++;
                out.append(c);
                // A ']' right after '[' or '[^' is a literal in both dialects.
                if (i + 1 < p.length() && p.charAt(i + 1) == '^') out.append(p.charAt(++i));
                if (i + 1 < p.length() && p.charAt(i + 1) == ']') {
                    out.append("\\]");
                    i++;
                }
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                out.append(c);
            } else if (c == '$' && classDepth == 0) {
                out.append("\\z");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * {@code \p{Name}}: Rust takes general categories, scripts and binary properties by bare name ({@code \p{Han}});
     * Java wants the {@code Is} prefix for scripts and binary properties, and accepts it for categories too.
     * Returns the index of the last character consumed.
     */
    private static int property(String p, int i, char e, StringBuilder out) {
        out.append('\\').append(e);
        if (i + 1 >= p.length() || p.charAt(i + 1) != '{') return i; // \pL: one-letter category, same in Java
        int close = p.indexOf('}', i + 1);
        if (close < 0) return i;
        String name = p.substring(i + 2, close);
        boolean javaReady = name.startsWith("Is") || name.startsWith("In") || name.contains("=") || name.contains(":");
        out.append('{').append(javaReady ? name : "Is" + name).append('}');
        return close;
    }

    /** The pieces of {@code text}, in order; their concatenation is {@code text}. */
    List<String> split(String text) {
        List<String> pieces = List.of(text);
        if (text.isEmpty()) return List.of();
        for (Pattern pattern : patterns) {
            List<String> next = new ArrayList<>(pieces.size() * 2);
            for (String piece : pieces) splitOne(pattern, piece, next);
            pieces = next;
        }
        return pieces;
    }

    private static void splitOne(Pattern pattern, String text, List<String> out) {
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue; // empty matches carry no text
            if (m.start() > last) out.add(text.substring(last, m.start()));
            out.add(text.substring(m.start(), m.end()));
            last = m.end();
        }
        if (last < text.length()) out.add(text.substring(last));
    }
}
