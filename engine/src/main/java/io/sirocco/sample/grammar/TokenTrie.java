package io.sirocco.sample.grammar;

import io.sirocco.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The byte strings of a vocabulary's text tokens as a trie laid out in depth-first order: node i's subtree is
 * [i, skip[i]), so a mask computation walks the arrays front to back and jumps over a whole subtree as soon as the
 * grammar rejects its prefix. Special tokens are not in the trie (the grammar names them by id).
 */
public final class TokenTrie {
    private static final Map<Tokenizer, TokenTrie> CACHE = Collections.synchronizedMap(new WeakHashMap<>());

    final int vocabSize;
    final int size;             // nodes; node 0 is the root (empty prefix)
    final byte[] label;         // (size) byte on the edge into the node
    final int[] depth;          // (size) prefix length
    final int[] skip;           // (size) first node after the subtree
    final int[] tokenStart;     // (size + 1) tokens ending at node i are tokens[tokenStart[i] .. tokenStart[i+1])
    final int[] tokens;
    final int maxDepth;

    /** The trie of a tokenizer, built once and shared (weakly cached per tokenizer instance). */
    public static TokenTrie of(Tokenizer tok) {
        return CACHE.computeIfAbsent(tok, TokenTrie::new);
    }

    private TokenTrie(Tokenizer tok) {
        vocabSize = tok.vocabSize();
        int n = 0;
        Integer[] ids = new Integer[vocabSize];
        byte[][] bytes = new byte[vocabSize][];
        for (int id = 0; id < vocabSize; id++) {
            if (tok.isSpecial(id)) continue;
            byte[] b = tok.tokenBytes(id);
            if (b.length == 0) continue;
            bytes[id] = b;
            ids[n++] = id;
        }
        Integer[] sorted = Arrays.copyOf(ids, n);
        Arrays.sort(sorted, (x, y) -> Arrays.compareUnsigned(bytes[x], bytes[y]));

        int cap = 1024;
        byte[] lab = new byte[cap];
        int[] dep = new int[cap];
        int[] tokNode = new int[n];
        int nodes = 1;
        int[] path = new int[16];   // path[d] = node at depth d on the current branch
        byte[] prev = new byte[0];
        int md = 0;
        for (int k = 0; k < n; k++) {
            byte[] b = bytes[sorted[k]];
            int common = Arrays.mismatch(prev, b);
            if (common < 0) common = b.length;   // identical byte strings share a node
            if (b.length + 1 > path.length) path = Arrays.copyOf(path, b.length * 2 + 1);
            for (int d = common + 1; d <= b.length; d++) {
                if (nodes == cap) {
                    cap *= 2;
                    lab = Arrays.copyOf(lab, cap);
                    dep = Arrays.copyOf(dep, cap);
                }
                lab[nodes] = b[d - 1];
                dep[nodes] = d;
                path[d] = nodes++;
            }
            tokNode[k] = path[b.length];
            md = Math.max(md, b.length);
            prev = b;
        }
        size = nodes;
        label = Arrays.copyOf(lab, nodes);
        depth = Arrays.copyOf(dep, nodes);
        maxDepth = md;
        tokenStart = new int[nodes + 1];
        for (int k = 0; k < n; k++) tokenStart[tokNode[k] + 1]++;
        for (int i = 0; i < nodes; i++) tokenStart[i + 1] += tokenStart[i];
        tokens = new int[n];
        int[] fill = Arrays.copyOf(tokenStart, nodes);
        for (int k = 0; k < n; k++) tokens[fill[tokNode[k]]++] = sorted[k];
        skip = new int[nodes];
        int[] stack = new int[md + 2];
        int sp = 0;
        for (int i = 0; i < nodes; i++) {
            while (sp > 0 && depth[stack[sp - 1]] >= depth[i]) skip[stack[--sp]] = i;
            stack[sp++] = i;
        }
        while (sp > 0) skip[stack[--sp]] = nodes;
    }

    public int nodeCount() {
        return size;
    }
}
