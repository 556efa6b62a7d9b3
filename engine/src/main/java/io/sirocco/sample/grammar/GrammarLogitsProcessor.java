package io.sirocco.sample.grammar;

import io.sirocco.sample.LogitsProcessor;
import io.sirocco.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Masks every token that cannot continue the grammar: a text token is allowed when all of its bytes can be consumed
 * from the current state (found by walking the vocabulary trie with the matcher, skipping dead subtrees), a special
 * token when the grammar names it here, and EOS when the output so far is complete. After EOS only EOS is allowed.
 * Masks are cached per grammar state (LRU), so repeated states (e.g. inside a long string) cost nothing.
 */
public final class GrammarLogitsProcessor implements LogitsProcessor {
    private static final int MASK_CACHE = 256;

    private final GrammarMatcher matcher;
    private final TokenTrie trie;
    private final Tokenizer tok;
    private final int eos;
    private final int words;
    private final GrammarState[] walk;
    private final Map<GrammarState, long[]> masks = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<GrammarState, long[]> e) {
            return size() > MASK_CACHE;
        }
    };
    private GrammarState state;
    private boolean finished;
    private long maskNanos;
    private int maskComputations;

    public GrammarLogitsProcessor(Grammar grammar, Tokenizer tok) {
        this.matcher = new GrammarMatcher(grammar);
        this.trie = TokenTrie.of(tok);
        this.tok = tok;
        this.eos = tok.eosId();
        this.words = (tok.vocabSize() + 63) >>> 6;
        this.walk = new GrammarState[trie.maxDepth + 1];
        this.state = matcher.initial();
    }

    @Override
    public void process(float[] logits, int offset, int vocab) {
        long[] m = allowedMask();
        int n = Math.min(vocab, tok.vocabSize());
        for (int w = 0; w << 6 < n; w++) {
            long forbidden = ~m[w];
            while (forbidden != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(forbidden);
                if (i >= n) break;
                logits[offset + i] = Float.NEGATIVE_INFINITY;
                forbidden &= forbidden - 1;
            }
        }
        for (int i = n; i < vocab; i++) logits[offset + i] = Float.NEGATIVE_INFINITY;   // ids the tokenizer lacks
    }

    @Override
    public void accept(int tokenId) {
        if (finished) {
            if (tokenId == eos) return;
            throw new IllegalStateException("token " + tokenId + " after the end of the grammar (only EOS is allowed)");
        }
        if (tokenId == eos) {
            if (!state.accepting) throw new IllegalStateException("EOS before the grammar is complete");
            finished = true;
            return;
        }
        GrammarState next = tok.isSpecial(tokenId) ? matcher.stepSpecial(state, tokenId)
                : matcher.stepBytes(state, tok.tokenBytes(tokenId));
        if (next.isDead()) throw new IllegalStateException("token " + tokenId + " is not allowed by the grammar here");
        state = next;
    }

    /** True when the output so far is complete (EOS is allowed). */
    public boolean isComplete() {
        return finished || state.accepting;
    }

    /** The current grammar state. */
    public GrammarState state() {
        return state;
    }

    /** True once EOS has been accepted. */
    public boolean isFinished() {
        return finished;
    }

    /** Allowed ids as a bitset over the tokenizer's vocabulary (do not modify). */
    public long[] allowedMask() {
        if (finished) {
            long[] m = new long[words];
            m[eos >>> 6] |= 1L << eos;
            return m;
        }
        long[] m = masks.get(state);
        if (m == null) {
            long t0 = System.nanoTime();
            m = computeMask(state);
            maskNanos += System.nanoTime() - t0;
            maskComputations++;
            masks.put(state, m);
        }
        return m;
    }

    /** Allowed ids, ascending. */
    public int[] allowedTokens() {
        long[] m = allowedMask();
        int n = 0;
        for (long w : m) n += Long.bitCount(w);
        int[] out = new int[n];
        int k = 0;
        for (int i = 0; i < tok.vocabSize(); i++) if ((m[i >>> 6] & (1L << i)) != 0) out[k++] = i;
        return out;
    }

    public boolean isAllowed(int id) {
        long[] m = allowedMask();
        return id >= 0 && id < tok.vocabSize() && (m[id >>> 6] & (1L << id)) != 0;
    }

    /** Total time spent computing (not cached) masks, and how many were computed: for benchmarks. */
    public long maskNanos() {
        return maskNanos;
    }

    public int maskComputations() {
        return maskComputations;
    }

    public GrammarMatcher matcher() {
        return matcher;
    }

    long[] computeMask(GrammarState s) {
        long[] m = new long[words];
        GrammarState dead = matcher.dead();
        GrammarState[] st = walk;
        st[0] = s;
        byte[] label = trie.label;
        int[] depth = trie.depth, skip = trie.skip, tokenStart = trie.tokenStart, tokens = trie.tokens;
        int i = 1;
        while (i < trie.size) {
            GrammarState p = st[depth[i] - 1];
            int b = label[i] & 0xFF;
            GrammarState t = p.next[b];
            if (t == null) t = matcher.step(p, b);
            if (t == dead) {
                i = skip[i];
                continue;
            }
            st[depth[i]] = t;
            for (int k = tokenStart[i]; k < tokenStart[i + 1]; k++) {
                int id = tokens[k];
                m[id >>> 6] |= 1L << id;
            }
            i++;
        }
        for (int id : matcher.allowedSpecials(s)) if (id < tok.vocabSize()) m[id >>> 6] |= 1L << id;
        boolean any = false;
        for (long w : m) any |= w != 0;
        // EOS when complete; also as a last resort when nothing else fits (only possible past the recursion bound).
        if (s.accepting || !any) m[eos >>> 6] |= 1L << eos;
        return m;
    }
}
