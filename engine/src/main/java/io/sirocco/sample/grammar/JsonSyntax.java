package io.sirocco.sample.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lexical and structural pieces of JSON (RFC 8259) as {@link GrammarGraph} fragments: whitespace, strings (valid
 * UTF-8, escapes, no lone surrogates), numbers, literals, and the "any JSON value" rules. Each method builds from node
 * {@code from} and returns the node reached when the piece is complete.
 *
 * <p>Whitespace policy: wherever JSON allows whitespace we allow at most {@link #MAX_WS} bytes of it (space, tab, CR,
 * LF), like llguidance's bounded whitespace: enough for {@code json.dumps} spacing and shallow pretty-printing, never
 * an endless run of blanks.
 */
final class JsonSyntax {
    /** Maximum bytes of whitespace at one place between JSON tokens. */
    static final int MAX_WS = 20;

    private final GrammarGraph g;
    private int anyValue = -1, anyObject = -1, anyArray = -1;

    JsonSyntax(GrammarGraph g) {
        this.g = g;
    }

    GrammarGraph graph() {
        return g;
    }

    /** 0..max bytes of [ \t\r\n]. */
    int ws(int from, int max) {
        int exit = g.node();
        g.addEps(from, exit);
        int cur = from;
        for (int k = 0; k < max; k++) {
            int next = g.node();
            wsByte(cur, next);
            g.addEps(next, exit);
            cur = next;
        }
        return exit;
    }

    int ws(int from) {
        return ws(from, MAX_WS);
    }

    private void wsByte(int from, int to) {
        g.addRange(from, '\t', '\n', to);
        g.addByte(from, '\r', to);
        g.addByte(from, ' ', to);
    }

    int literal(int from, String ascii) {
        return g.literal(from, ascii.getBytes(StandardCharsets.UTF_8));
    }

    /** A comma between members or items, with whitespace around it. */
    int comma(int from) {
        return ws(literal(ws(from), ","));
    }

    // ---- strings ----

    /** One character of a JSON string body: unescaped UTF-8 (no controls, quote or backslash), or an escape. */
    int oneChar(int from, boolean escapes) {
        int exit = g.node();
        g.addRange(from, 0x20, 0x21, exit);
        g.addRange(from, 0x23, 0x5B, exit);
        g.addRange(from, 0x5D, 0x7F, exit);
        utf8MultiByte(from, exit);
        if (escapes) escape(from, exit);
        return exit;
    }

    /** Well-formed UTF-8 sequences of 2..4 bytes (no overlongs, no surrogates, ≤ U+10FFFF). */
    private void utf8MultiByte(int from, int exit) {
        int c1 = g.node(), c2 = g.node(), c3 = g.node();
        g.addRange(c1, 0x80, 0xBF, exit);
        g.addRange(c2, 0x80, 0xBF, c1);
        g.addRange(c3, 0x80, 0xBF, c2);
        g.addRange(from, 0xC2, 0xDF, c1);
        int e0 = g.node();
        g.addByte(from, 0xE0, e0);
        g.addRange(e0, 0xA0, 0xBF, c1);
        g.addRange(from, 0xE1, 0xEC, c2);
        int ed = g.node();
        g.addByte(from, 0xED, ed);
        g.addRange(ed, 0x80, 0x9F, c1);
        g.addRange(from, 0xEE, 0xEF, c2);
        int f0 = g.node();
        g.addByte(from, 0xF0, f0);
        g.addRange(f0, 0x90, 0xBF, c2);
        g.addRange(from, 0xF1, 0xF3, c3);
        int f4 = g.node();
        g.addByte(from, 0xF4, f4);
        g.addRange(f4, 0x80, 0x8F, c2);
    }

    /** \" \\ \/ \b \f \n \r \t and backslash-u with four hex digits outside the surrogate range D800..DFFF. */
    private void escape(int from, int exit) {
        int bs = g.node();
        g.addByte(from, '\\', bs);
        for (char c : "\"\\/bfnrt".toCharArray()) g.addByte(bs, c, exit);
        int u = g.node(), h2 = g.node(), h2low = g.node(), h3 = g.node(), h4 = g.node();
        g.addByte(bs, 'u', u);
        hex(u, '0', 'c', h2);
        hex(u, 'e', 'f', h2);
        g.addByte(u, 'd', h2low);
        g.addByte(u, 'D', h2low);
        g.addRange(h2low, '0', '7', h3);
        hex(h2, '0', 'f', h3);
        hex(h3, '0', 'f', h4);
        hex(h4, '0', 'f', exit);
    }

    /** Hex digits whose value lies in lo..hi (given as lower-case digits), in either case. */
    private void hex(int from, char lo, char hi, int to) {
        int l = Character.digit(lo, 16), h = Character.digit(hi, 16);
        for (int v = l; v <= h; v++) {
            char c = Character.forDigit(v, 16);
            g.addByte(from, c, to);
            if (Character.isLetter(c)) g.addByte(from, Character.toUpperCase(c), to);
        }
    }

    /** Between minLen and maxLen characters (maxLen &lt; 0: unbounded). */
    int stringBody(int from, int minLen, int maxLen, boolean escapes) {
        int cur = from;
        for (int i = 0; i < minLen; i++) cur = oneChar(cur, escapes);
        if (maxLen < 0) {
            int loop = g.node();
            g.addEps(cur, loop);
            int after = oneChar(loop, escapes);
            g.addEps(after, loop);
            return loop;
        }
        int exit = g.node();
        g.addEps(cur, exit);
        for (int i = minLen; i < maxLen; i++) {
            cur = oneChar(cur, escapes);
            g.addEps(cur, exit);
        }
        return exit;
    }

    /** A complete quoted string of any content. */
    int string(int from) {
        int body = stringBody(literal(from, "\""), 0, -1, true);
        return literal(body, "\"");
    }

    /**
     * A quoted object key that is none of {@code excluded} (raw UTF-8 names). Escapes are not allowed in such keys, so
     * that no spelling of an excluded name can slip through. Built as the product of the UTF-8 validity automaton and
     * a trie of the excluded names.
     */
    int keyExcluding(int from, List<byte[]> excluded) {
        List<int[]> trieChildren = new ArrayList<>();   // per trie node: child per byte (or -1)
        List<Boolean> terminal = new ArrayList<>();
        trieChildren.add(newChildren());
        terminal.add(false);
        for (byte[] name : excluded) {
            int t = 0;
            for (byte b : name) {
                int c = trieChildren.get(t)[b & 0xFF];
                if (c < 0) {
                    c = trieChildren.size();
                    trieChildren.get(t)[b & 0xFF] = c;
                    trieChildren.add(newChildren());
                    terminal.add(false);
                }
                t = c;
            }
            terminal.set(t, true);
        }
        int open = literal(from, "\"");
        int exit = g.node();
        Map<Long, Integer> nodeOf = new HashMap<>();
        List<long[]> queue = new ArrayList<>();
        nodeOf.put(pair(0, 0), open);
        queue.add(new long[] {0, 0});
        for (int qi = 0; qi < queue.size(); qi++) {
            int u = (int) queue.get(qi)[0], t = (int) queue.get(qi)[1];
            int src = nodeOf.get(pair(u, t));
            if (u == 0 && (t < 0 || !terminal.get(t))) g.addByte(src, '"', exit);
            int runLo = -1, runTarget = -1;
            for (int b = 0; b <= 256; b++) {
                int target = -1;
                if (b < 256 && b != '"' && b != '\\' && b >= 0x20) {
                    int u2 = utf8Next(u, b);
                    if (u2 >= 0) {
                        int t2 = t < 0 ? -1 : trieChildren.get(t)[b];
                        Integer n = nodeOf.get(pair(u2, t2));
                        if (n == null) {
                            n = g.node();
                            nodeOf.put(pair(u2, t2), n);
                            queue.add(new long[] {u2, t2});
                        }
                        target = n;
                    }
                }
                if (target != runTarget) {
                    if (runTarget >= 0) g.addRange(src, runLo, b - 1, runTarget);
                    runLo = b;
                    runTarget = target;
                }
            }
        }
        return exit;
    }

    private static int[] newChildren() {
        int[] c = new int[256];
        java.util.Arrays.fill(c, -1);
        return c;
    }

    private static long pair(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /**
     * UTF-8 validity DFA: 0 = at a character boundary; 1..3 = that many continuation bytes due; 4 = after E0
     * (A0..BF next), 5 = after ED (80..9F), 6 = after F0 (90..BF), 7 = after F4 (80..8F). Returns -1 on error.
     */
    static int utf8Next(int state, int b) {
        boolean cont = b >= 0x80 && b <= 0xBF;
        return switch (state) {
            case 0 -> b < 0x80 ? 0 : b >= 0xC2 && b <= 0xDF ? 1 : b == 0xE0 ? 4 : b == 0xED ? 5
                    : b >= 0xE1 && b <= 0xEF ? 2 : b == 0xF0 ? 6 : b >= 0xF1 && b <= 0xF3 ? 3 : b == 0xF4 ? 7 : -1;
            case 1, 2, 3 -> cont ? state - 1 : -1;
            case 4 -> b >= 0xA0 && b <= 0xBF ? 1 : -1;
            case 5 -> b >= 0x80 && b <= 0x9F ? 1 : -1;
            case 6 -> b >= 0x90 && b <= 0xBF ? 2 : -1;
            case 7 -> b >= 0x80 && b <= 0x8F ? 2 : -1;
            default -> -1;
        };
    }

    // ---- numbers ----

    /** -?(0|[1-9][0-9]*), then for non-integers an optional fraction and exponent. */
    int number(int from, boolean integer) {
        int sign = g.node();
        g.addEps(from, sign);
        g.addByte(from, '-', sign);
        int intPart = g.node();
        g.addByte(sign, '0', intPart);
        int digits = g.node();
        g.addRange(sign, '1', '9', digits);
        g.addRange(digits, '0', '9', digits);
        g.addEps(digits, intPart);
        if (integer) return intPart;
        int dot = g.node(), frac = g.node(), afterFrac = g.node();
        g.addByte(intPart, '.', dot);
        g.addRange(dot, '0', '9', frac);
        g.addRange(frac, '0', '9', frac);
        g.addEps(intPart, afterFrac);
        g.addEps(frac, afterFrac);
        int e = g.node(), eSign = g.node(), eDigits = g.node(), exit = g.node();
        g.addByte(afterFrac, 'e', e);
        g.addByte(afterFrac, 'E', e);
        g.addEps(e, eSign);
        g.addByte(e, '+', eSign);
        g.addByte(e, '-', eSign);
        g.addRange(eSign, '0', '9', eDigits);
        g.addRange(eDigits, '0', '9', eDigits);
        g.addEps(afterFrac, exit);
        g.addEps(eDigits, exit);
        return exit;
    }

    // ---- any value ----

    /** Start node of the rule matching any JSON value. */
    int anyValueRule() {
        if (anyValue < 0) {
            anyValue = g.node();
            int exit = g.node();
            g.markReturn(exit);
            g.addCall(anyValue, anyObjectRule(), exit);
            g.addCall(anyValue, anyArrayRule(), exit);
            g.addEps(string(anyValue), exit);
            g.addEps(number(anyValue, false), exit);
            for (String lit : new String[] {"true", "false", "null"}) g.addEps(literal(anyValue, lit), exit);
        }
        return anyValue;
    }

    /** Start node of the rule matching any JSON object (any keys, any values). */
    int anyObjectRule() {
        if (anyObject < 0) {
            anyObject = g.node();
            int exit = g.node();
            g.markReturn(exit);
            int open = ws(literal(anyObject, "{"));
            g.addByte(open, '}', exit);
            int first = anyMember(open);
            int loop = g.node();
            g.addEps(first, loop);
            g.addEps(anyMember(comma(loop)), loop);
            g.addByte(ws(loop), '}', exit);
        }
        return anyObject;
    }

    private int anyMember(int from) {
        int colon = ws(literal(ws(string(from)), ":"));
        return call(colon, anyValueRule());
    }

    /** Start node of the rule matching any JSON array. */
    int anyArrayRule() {
        if (anyArray < 0) {
            anyArray = g.node();
            int exit = g.node();
            g.markReturn(exit);
            int open = ws(literal(anyArray, "["));
            g.addByte(open, ']', exit);
            int loop = g.node();
            g.addEps(call(open, anyValueRule()), loop);
            g.addEps(call(comma(loop), anyValueRule()), loop);
            g.addByte(ws(loop), ']', exit);
        }
        return anyArray;
    }

    /** Runs a rule from {@code from}; returns the node reached after it. */
    int call(int from, int ruleStart) {
        int ret = g.node();
        g.addCall(from, ruleStart, ret);
        return ret;
    }
}
