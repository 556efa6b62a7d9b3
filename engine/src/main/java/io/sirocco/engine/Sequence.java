package io.sirocco.engine;

import io.sirocco.engine.KvCache.SequenceKv;
import io.sirocco.sample.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The serving engine's state of one request: all its tokens (prompt, then generated), how many of them have keys and
 * values in the cache, and its block table. Touched by the engine thread only, except {@link #cancelRequested}.
 *
 * <p>Every step schedules the next {@code length - computed} tokens (or a chunk of them); when a step brings
 * {@code computed} up to {@code length}, its last row's logits choose the next token. Prefill, chunked prefill, decode
 * and recompute after preemption are all this one rule.
 */
final class Sequence {
    final long order;                  // arrival rank: FCFS priority, lower first
    final EngineRequest request;
    final EngineListener listener;
    final int promptLength;
    final int maxTokens;               // generated tokens allowed (max_tokens capped by context and cache)
    final float[][] embeddingRows;     // (promptLength) image feature rows, null entries elsewhere; null for text
    final String[] blockExtras;        // (prompt blocks) image keys per block for prefix hashing; null for text
    final boolean cacheable;           // false if an image lacks a content hash
    final Sampler sampler;
    final SequenceKv kv = new SequenceKv();
    final long submitted = System.nanoTime();

    int[] tokens;                      // (length) prompt + generated
    int length;
    int computed;                      // positions with keys/values in the cache
    int scheduled;                     // tokens in the current step, 0 if none
    int registered;                    // leading blocks already offered to the prefix cache
    final List<BlockHash> hashes = new ArrayList<>();  // of full blocks, in order
    int generated;
    int cachedPromptTokens = -1;       // from the first prefix lookup
    long firstScheduled, firstToken;
    volatile boolean cancelRequested;
    boolean done;

    Sequence(long order, EngineRequest request, EngineListener listener, int maxTokens, float[][] embeddingRows, int blockSize, int vocab) {
        this.order = order;
        this.request = request;
        this.listener = listener;
        this.promptLength = request.promptTokens().length;
        this.maxTokens = maxTokens;
        this.embeddingRows = embeddingRows;
        this.tokens = Arrays.copyOf(request.promptTokens(), promptLength + Math.min(maxTokens, 256));
        this.length = promptLength;
        this.sampler = new Sampler(request.sampling(), vocab, request.promptTokens());
        boolean ok = true;
        String[] extras = null;
        if (!request.embeddings().isEmpty()) {
            extras = new String[(promptLength + blockSize - 1) / blockSize];
            for (PromptEmbeddings e : request.embeddings()) {
                if (e.contentHash() == null) ok = false;
                if (e.positions().length == 0) continue;
                String key = e.contentHash() + "@" + e.positions()[0] + ";";
                int first = e.positions()[0] / blockSize, last = e.positions()[e.positions().length - 1] / blockSize;
                for (int b = Math.min(first, last); b <= Math.max(first, last) && b < extras.length; b++)
                    extras[b] = extras[b] == null ? key : extras[b] + key;
            }
        }
        this.blockExtras = extras;
        this.cacheable = ok;
    }

    int remaining() {
        return length - computed;
    }

    void append(int id) {
        if (length == tokens.length) tokens = Arrays.copyOf(tokens, length * 2);
        tokens[length++] = id;
    }

    /** Hash of full block {@code b} (computing the chain up to it), or null if the sequence is not cacheable. */
    BlockHash hash(int b, BlockHash.Hasher hasher, int blockSize) {
        if (!cacheable) return null;
        while (hashes.size() <= b) {
            int i = hashes.size();
            BlockHash parent = i == 0 ? null : hashes.get(i - 1);
            String extra = blockExtras != null && i < blockExtras.length ? blockExtras[i] : null;
            hashes.add(hasher.next(parent, tokens, i * blockSize, blockSize, extra));
        }
        return hashes.get(b);
    }

    /** Forgets all cache state for a recompute (preemption); tokens, sampler and counters stay. */
    void resetForRecompute() {
        computed = 0;
        registered = 0;
        scheduled = 0;
    }
}
