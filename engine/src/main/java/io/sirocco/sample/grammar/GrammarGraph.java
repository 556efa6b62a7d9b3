package io.sirocco.sample.grammar;

import java.util.Arrays;

/**
 * A recursive transition network over bytes and special tokens: numbered nodes joined by edges that consume one byte
 * in a range, consume one special token (by id), call a sub-rule (push a return node), or consume nothing (epsilon).
 * A node marked "return" ends the rule it belongs to; with an empty call stack it means the whole output is complete.
 *
 * <p>Built once with the {@code add*} methods, then {@link #freeze() frozen} into flat arrays that the matcher reads.
 * Builders follow one rule so that alternatives can share a start node: a construct started at node {@code from} only
 * adds edges leaving {@code from} and between nodes it created itself, never edges into {@code from}.
 */
public final class GrammarGraph {
    static final int RANGE = 0, SPECIAL = 1, CALL = 2, EPS = 3;

    private int nodes;
    private boolean[] isReturn = new boolean[64];
    // Edge list while building: (from, kind, a, b, to) per edge; a/b = byte range lo/hi, special id, or callee start.
    private int[] ef = new int[256], ek = new int[256], ea = new int[256], eb = new int[256], et = new int[256];
    private int edges;
    private boolean frozen;

    // Frozen form: edges of node n are [edgeStart[n], edgeStart[n+1]).
    int[] edgeStart, kind, argA, argB, target;
    private boolean[] hasConsuming;

    public int node() {
        checkBuilding();
        if (nodes == isReturn.length) isReturn = Arrays.copyOf(isReturn, nodes * 2);
        if (nodes >= 4_000_000) throw new IllegalArgumentException("grammar too large (over 4M nodes): simplify the schema");
        return nodes++;
    }

    public int size() {
        return nodes;
    }

    public void markReturn(int n) {
        checkBuilding();
        isReturn[n] = true;
    }

    public void addRange(int from, int lo, int hi, int to) {
        if (lo < 0 || hi > 255 || lo > hi) throw new IllegalArgumentException("bad byte range " + lo + ".." + hi);
        add(from, RANGE, lo, hi, to);
    }

    public void addByte(int from, int b, int to) {
        addRange(from, b, b, to);
    }

    public void addSpecial(int from, int tokenId, int to) {
        add(from, SPECIAL, tokenId, 0, to);
    }

    /** Runs the rule starting at {@code ruleStart}, then continues at {@code returnTo}. */
    public void addCall(int from, int ruleStart, int returnTo) {
        add(from, CALL, ruleStart, 0, returnTo);
    }

    public void addEps(int from, int to) {
        add(from, EPS, 0, 0, to);
    }

    /** Consumes exactly these bytes from {@code from}; returns the node after the last one. */
    public int literal(int from, byte[] bytes) {
        int cur = from;
        for (byte b : bytes) {
            int next = node();
            addByte(cur, b & 0xFF, next);
            cur = next;
        }
        if (bytes.length == 0) {
            int next = node();
            addEps(cur, next);
            cur = next;
        }
        return cur;
    }

    private void add(int from, int k, int a, int b, int to) {
        checkBuilding();
        if (from < 0 || from >= nodes || to < 0 || to >= nodes) throw new IllegalArgumentException("edge to unknown node");
        if (edges == ef.length) {
            int n = edges * 2;
            ef = Arrays.copyOf(ef, n); ek = Arrays.copyOf(ek, n); ea = Arrays.copyOf(ea, n);
            eb = Arrays.copyOf(eb, n); et = Arrays.copyOf(et, n);
        }
        ef[edges] = from; ek[edges] = k; ea[edges] = a; eb[edges] = b; et[edges] = to;
        edges++;
    }

    private void checkBuilding() {
        if (frozen) throw new IllegalStateException("grammar graph is frozen");
    }

    /** Ends building: sorts the edges by source node into flat arrays. */
    public GrammarGraph freeze() {
        if (frozen) return this;
        frozen = true;
        edgeStart = new int[nodes + 1];
        for (int i = 0; i < edges; i++) edgeStart[ef[i] + 1]++;
        for (int n = 0; n < nodes; n++) edgeStart[n + 1] += edgeStart[n];
        int[] fill = Arrays.copyOf(edgeStart, nodes);
        kind = new int[edges]; argA = new int[edges]; argB = new int[edges]; target = new int[edges];
        for (int i = 0; i < edges; i++) {
            int j = fill[ef[i]]++;
            kind[j] = ek[i]; argA[j] = ea[i]; argB[j] = eb[i]; target[j] = et[i];
        }
        hasConsuming = new boolean[nodes];
        for (int n = 0; n < nodes; n++)
            for (int e = edgeStart[n]; e < edgeStart[n + 1]; e++)
                if (kind[e] == RANGE || kind[e] == SPECIAL) hasConsuming[n] = true;
        ef = ek = ea = eb = et = null;
        return this;
    }

    boolean isReturn(int n) {
        return isReturn[n];
    }

    boolean hasConsuming(int n) {
        return hasConsuming[n];
    }

    boolean isFrozen() {
        return frozen;
    }
}
