package io.sirocco.sample.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/**
 * JSON integers within [lo, hi] (either side may be open) as a digit automaton: no leading zeros, "-" only for
 * negative values. Bounds come from minimum / maximum / exclusiveMinimum / exclusiveMaximum (draft 4 booleans or
 * draft 6+ numbers); fractional bounds are rounded inwards.
 */
record IntegerRange(Long lo, Long hi) {
    private static final long LIMIT = 1_000_000_000_000_000_000L;

    static IntegerRange of(JsonNode s, String path) {
        Long lo = null, hi = null;
        boolean exMin = s.path("exclusiveMinimum").isBoolean() && s.get("exclusiveMinimum").booleanValue();
        boolean exMax = s.path("exclusiveMaximum").isBoolean() && s.get("exclusiveMaximum").booleanValue();
        if (s.has("minimum")) lo = bound(s.get("minimum"), path, "minimum", true, exMin);
        if (s.has("maximum")) hi = bound(s.get("maximum"), path, "maximum", false, exMax);
        if (s.path("exclusiveMinimum").isNumber()) lo = max(lo, bound(s.get("exclusiveMinimum"), path, "exclusiveMinimum", true, true));
        if (s.path("exclusiveMaximum").isNumber()) hi = min(hi, bound(s.get("exclusiveMaximum"), path, "exclusiveMaximum", false, true));
        if (lo != null && hi != null && lo > hi)
            throw new IllegalArgumentException("no integer satisfies minimum/maximum at " + path);
        return new IntegerRange(lo, hi);
    }

    private static long bound(JsonNode v, String path, String key, boolean lower, boolean exclusive) {
        if (!v.isNumber()) throw new IllegalArgumentException("'" + key + "' at " + path + " must be a number");
        double d = v.asDouble();
        if (Math.abs(d) >= LIMIT) throw new IllegalArgumentException("'" + key + "' at " + path + " is too large (|x| < 1e18 supported)");
        long r;
        if (v.isIntegralNumber()) r = v.asLong() + (exclusive ? (lower ? 1 : -1) : 0);
        else if (lower) r = exclusive && d == Math.floor(d) ? (long) d + 1 : (long) Math.ceil(d);
        else r = exclusive && d == Math.ceil(d) ? (long) d - 1 : (long) Math.floor(d);
        return r;
    }

    private static Long max(Long a, long b) {
        return a == null ? b : Math.max(a, b);
    }

    private static Long min(Long a, long b) {
        return a == null ? b : Math.min(a, b);
    }

    int emit(JsonSyntax syn, int from) {
        GrammarGraph g = syn.graph();
        if (lo == null && hi == null) return syn.number(from, true);
        int exit = g.node();
        // Non-negative part [max(lo,0), hi].
        if (hi == null || hi >= 0) {
            long a = lo == null ? 0 : Math.max(lo, 0);
            g.addEps(digits(g, from, a, hi), exit);
        }
        // Negative part: "-" then magnitudes [max(-hi,1), -lo].
        if (lo == null || lo < 0) {
            long a = hi == null ? 1 : Math.max(1, -hi);
            Long b = lo == null ? null : -lo;
            int minus = g.node();
            g.addByte(from, '-', minus);
            g.addEps(digits(g, minus, a, b), exit);
        }
        return exit;
    }

    /** Decimal spellings (no leading zeros) of the integers in [a, b], 0 ≤ a, b == null meaning unbounded. */
    private static int digits(GrammarGraph g, int from, long a, Long b) {
        int exit = g.node();
        String as = Long.toString(a);
        int maxLen = b == null ? as.length() : Long.toString(b).length();
        for (int len = as.length(); len <= maxLen; len++) {
            long x = len == as.length() ? a : pow10(len - 1);
            long y = b != null && len == maxLen ? b : pow10(len) - 1;
            if (x > y) continue;
            sameLength(g, from, Long.toString(x), Long.toString(y), exit);
        }
        if (b == null) {
            // Every number with more digits than a: [1-9][0-9]{len(a)}[0-9]*.
            int cur = g.node();
            g.addRange(from, '1', '9', cur);
            for (int i = 0; i < as.length(); i++) {
                int next = g.node();
                g.addRange(cur, '0', '9', next);
                cur = next;
            }
            int loop = g.node();
            g.addEps(cur, loop);
            g.addRange(loop, '0', '9', loop);
            g.addEps(loop, exit);
        }
        return exit;
    }

    /** Digit strings of equal length between x and y (inclusive), tracking whether each bound is still tight. */
    private static void sameLength(GrammarGraph g, int from, String x, String y, int exit) {
        int len = x.length();
        Map<Integer, Integer> nodes = new HashMap<>();   // key: (position, tightLo, tightHi)
        nodes.put(key(0, true, true), from);
        for (int i = 0; i < len; i++) {
            for (int flags = 3; flags >= 0; flags--) {
                boolean tl = (flags & 2) != 0, th = (flags & 1) != 0;
                Integer src = nodes.get(key(i, tl, th));
                if (src == null) continue;
                int lo = tl ? x.charAt(i) - '0' : 0, hi = th ? y.charAt(i) - '0' : 9;
                for (int d = lo; d <= hi; d++) {
                    boolean tl2 = tl && d == lo, th2 = th && d == hi;
                    int k = key(i + 1, tl2, th2);
                    Integer dst = nodes.get(k);
                    if (dst == null) {
                        dst = i + 1 == len ? exit : g.node();
                        if (i + 1 < len) nodes.put(k, dst);
                        else nodes.put(k, exit);
                    }
                    g.addByte(src, '0' + d, dst);
                }
            }
        }
    }

    private static int key(int pos, boolean tl, boolean th) {
        return pos * 4 + (tl ? 2 : 0) + (th ? 1 : 0);
    }

    private static long pow10(int n) {
        long r = 1;
        for (int i = 0; i < n; i++) r *= 10;
        return r;
    }
}
