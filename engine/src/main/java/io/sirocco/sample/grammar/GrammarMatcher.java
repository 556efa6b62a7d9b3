package io.sirocco.sample.grammar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs a {@link Grammar} over bytes and special tokens. A state is the set of (node, call stack) configurations
 * reachable after the input so far, closed over epsilon, call and return edges; states and call stacks are interned,
 * and byte transitions are cached per state, so after warm-up the matcher behaves like a lazily built DFA (which is
 * what makes walking a 131k-token vocabulary trie cheap).
 *
 * <p>Recursion (recursive $ref, nested "any JSON") is bounded: a call deeper than {@link #MAX_DEPTH} is not taken.
 * Not thread-safe: one matcher per generated sequence.
 */
public final class GrammarMatcher {
    /** Maximum call-stack depth, i.e. a bound on nesting of recursive rules. */
    public static final int MAX_DEPTH = 96;

    private final GrammarGraph g;
    private final Map<Key, GrammarState> states = new HashMap<>();
    private final GrammarState dead;
    private final GrammarState initial;

    // Interned call stacks: id 0 is the empty stack; stack id = (returnNode, parent).
    private int[] stackTop = new int[64], stackParent = new int[64], stackDepth = new int[64];
    private int stacks = 1;
    private final Map<Long, Integer> stackIds = new HashMap<>();

    // Scratch for closures.
    private final LongSet visited = new LongSet();
    private long[] out = new long[64];
    private int outSize;
    private boolean outAccepting;
    private int[] work = new int[128];

    public GrammarMatcher(Grammar grammar) {
        this.g = grammar.graph;
        this.dead = intern(new long[0], false);
        begin();
        close(grammar.start, 0);
        this.initial = finish();
    }

    public GrammarState initial() {
        return initial;
    }

    public GrammarState dead() {
        return dead;
    }

    public int stateCount() {
        return states.size();
    }

    /** The state after consuming byte {@code b} (0..255); {@link #dead()} when not allowed. */
    public GrammarState step(GrammarState s, int b) {
        GrammarState n = s.next[b];
        if (n != null) return n;
        begin();
        for (long c : s.configs) {
            int node = (int) (c >>> 32), stack = (int) c;
            for (int e = g.edgeStart[node]; e < g.edgeStart[node + 1]; e++)
                if (g.kind[e] == GrammarGraph.RANGE && g.argA[e] <= b && b <= g.argB[e]) close(g.target[e], stack);
        }
        n = finish();
        s.next[b] = n;
        return n;
    }

    /** The state after the special token {@code id}; {@link #dead()} when not allowed. */
    public GrammarState stepSpecial(GrammarState s, int id) {
        begin();
        for (long c : s.configs) {
            int node = (int) (c >>> 32), stack = (int) c;
            for (int e = g.edgeStart[node]; e < g.edgeStart[node + 1]; e++)
                if (g.kind[e] == GrammarGraph.SPECIAL && g.argA[e] == id) close(g.target[e], stack);
        }
        return finish();
    }

    /** Special token ids that may come next (distinct, ascending). */
    public int[] allowedSpecials(GrammarState s) {
        int[] ids = new int[4];
        int n = 0;
        for (long c : s.configs) {
            int node = (int) (c >>> 32);
            for (int e = g.edgeStart[node]; e < g.edgeStart[node + 1]; e++)
                if (g.kind[e] == GrammarGraph.SPECIAL) {
                    if (n == ids.length) ids = Arrays.copyOf(ids, n * 2);
                    ids[n++] = g.argA[e];
                }
        }
        return Arrays.stream(ids, 0, n).sorted().distinct().toArray();
    }

    /** Consumes all bytes; returns {@link #dead()} as soon as one is not allowed. */
    public GrammarState stepBytes(GrammarState s, byte[] bytes) {
        for (byte b : bytes) {
            s = step(s, b & 0xFF);
            if (s == dead) return s;
        }
        return s;
    }

    /** Convenience for tests: does the whole UTF-8 text form a complete sentence? */
    public boolean matches(String text) {
        return stepBytes(initial, text.getBytes(StandardCharsets.UTF_8)).accepting;
    }

    // ---- closure ----

    private void begin() {
        visited.clear();
        outSize = 0;
        outAccepting = false;
    }

    /** Adds every configuration reachable from (node, stack) without consuming input. */
    private void close(int startNode, int startStack) {
        int sp = 0;
        work[sp++] = startNode;
        work[sp++] = startStack;
        while (sp > 0) {
            int stack = work[--sp], node = work[--sp];
            if (!visited.add(((long) node << 32) | (stack & 0xFFFFFFFFL))) continue;
            if (g.isReturn(node)) {
                if (stack == 0) outAccepting = true;
                else sp = push(sp, stackTop[stack], stackParent[stack]);
            }
            if (g.hasConsuming(node)) {
                if (outSize == out.length) out = Arrays.copyOf(out, outSize * 2);
                out[outSize++] = ((long) node << 32) | (stack & 0xFFFFFFFFL);
            }
            for (int e = g.edgeStart[node]; e < g.edgeStart[node + 1]; e++) {
                int k = g.kind[e];
                if (k == GrammarGraph.EPS) sp = push(sp, g.target[e], stack);
                else if (k == GrammarGraph.CALL && stackDepth[stack] < MAX_DEPTH)
                    sp = push(sp, g.argA[e], pushStack(stack, g.target[e]));
            }
        }
    }

    private int push(int sp, int node, int stack) {
        if (sp + 2 > work.length) work = Arrays.copyOf(work, work.length * 2);
        work[sp] = node;
        work[sp + 1] = stack;
        return sp + 2;
    }

    private int pushStack(int parent, int returnNode) {
        long key = ((long) returnNode << 32) | (parent & 0xFFFFFFFFL);
        Integer id = stackIds.get(key);
        if (id != null) return id;
        if (stacks == stackTop.length) {
            int n = stacks * 2;
            stackTop = Arrays.copyOf(stackTop, n);
            stackParent = Arrays.copyOf(stackParent, n);
            stackDepth = Arrays.copyOf(stackDepth, n);
        }
        int s = stacks++;
        stackTop[s] = returnNode;
        stackParent[s] = parent;
        stackDepth[s] = stackDepth[parent] + 1;
        stackIds.put(key, s);
        return s;
    }

    private GrammarState finish() {
        long[] configs = Arrays.copyOf(out, outSize);
        Arrays.sort(configs);
        return intern(configs, outAccepting);
    }

    private GrammarState intern(long[] configs, boolean accepting) {
        Key k = new Key(configs, accepting);
        GrammarState s = states.get(k);
        if (s == null) {
            s = new GrammarState(configs, accepting, states.size());
            states.put(k, s);
        }
        return s;
    }

    private record Key(long[] configs, boolean accepting) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.accepting == accepting && Arrays.equals(k.configs, configs);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(configs) * 31 + (accepting ? 1 : 0);
        }
    }

    /** Open-addressing set of longs, reused between closures (cleared by generation counter would be faster; fine). */
    private static final class LongSet {
        private long[] keys = new long[64];
        private boolean[] used = new boolean[64];
        private int size;
        private final java.util.ArrayList<Integer> touched = new java.util.ArrayList<>();

        boolean add(long k) {
            if ((size + 1) * 2 > keys.length) grow();
            int mask = keys.length - 1;
            int i = (int) mix(k) & mask;
            while (used[i]) {
                if (keys[i] == k) return false;
                i = (i + 1) & mask;
            }
            used[i] = true;
            keys[i] = k;
            touched.add(i);
            size++;
            return true;
        }

        void clear() {
            for (int i : touched) used[i] = false;
            touched.clear();
            size = 0;
        }

        private void grow() {
            long[] ok = keys;
            boolean[] ou = used;
            keys = new long[ok.length * 2];
            used = new boolean[ok.length * 2];
            touched.clear();
            size = 0;
            for (int i = 0; i < ok.length; i++) if (ou[i]) add(ok[i]);
        }

        private static long mix(long k) {
            k ^= k >>> 33;
            k *= 0xff51afd7ed558ccdL;
            k ^= k >>> 33;
            return k;
        }
    }
}
