package io.sirocco.engine;

import io.sirocco.engine.KvCache.SequenceKv;
import java.util.HashMap;
import java.util.Map;

/**
 * Owns the KV blocks of the serving engine: reference counts, the free queue and the prefix-cache index (vLLM's
 * design). A block whose count drops to zero goes to the tail of the free queue but keeps its hash, so a later request
 * with the same prefix can take it back; allocation takes from the head and forgets the hash of what it takes, which
 * makes eviction least-recently-used. Used on the engine thread only.
 */
final class BlockPool {
    private final int numBlocks;
    private final int blockSize;
    private final int[] refs;                 // (numBlocks) sequences holding the block
    private final BlockHash[] hashOf;         // (numBlocks) hash of a cached full block, else null
    private final Map<BlockHash, Integer> cached = new HashMap<>();
    private final int[] prev, next;           // (numBlocks) free queue links, -1 = none
    private int head = -1, tail = -1, free;

    BlockPool(int numBlocks, int blockSize) {
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        refs = new int[numBlocks];
        hashOf = new BlockHash[numBlocks];
        prev = new int[numBlocks];
        next = new int[numBlocks];
        for (int b = 0; b < numBlocks; b++) append(b);
    }

    int numBlocks() {
        return numBlocks;
    }

    /** Blocks that can be allocated (never used, or cached with no sequence holding them). */
    int freeBlocks() {
        return free;
    }

    /** Blocks held by at least one sequence. */
    int usedBlocks() {
        return numBlocks - free;
    }

    /** Blocks with a prefix-cache entry (held or evictable). */
    int cachedBlocks() {
        return cached.size();
    }

    /** Grows the table to hold {@code positions} positions; false, taking nothing, when too few blocks are free. */
    boolean ensure(SequenceKv seq, int positions) {
        int need = (positions + blockSize - 1) / blockSize - seq.blockCount();
        if (need <= 0) return true;
        if (need > free) return false;
        for (int i = 0; i < need; i++) {
            int b = head;
            unlink(b);
            if (hashOf[b] != null) {  // evict the least recently freed cached block
                cached.remove(hashOf[b]);
                hashOf[b] = null;
            }
            refs[b] = 1;
            seq.addBlock(b);
        }
        return true;
    }

    /** The cached block with this hash, or -1. */
    int lookup(BlockHash h) {
        Integer b = cached.get(h);
        return b == null ? -1 : b;
    }

    /** Appends a cached block to the table, taking it off the free queue if no one held it. */
    void share(SequenceKv seq, int b) {
        if (refs[b]++ == 0) unlink(b);
        seq.addBlock(b);
    }

    /** Makes a full, computed block findable under {@code h} (unless another block already is). */
    void register(int b, BlockHash h) {
        if (hashOf[b] != null || cached.containsKey(h)) return;
        hashOf[b] = h;
        cached.put(h, b);
    }

    /** Drops the sequence's references, last block first: a sequence's own tail is evicted before a shared head. */
    void release(SequenceKv seq) {
        for (int i = seq.blockCount() - 1; i >= 0; i--) {
            int b = seq.block(i);
            if (--refs[b] == 0) append(b);
            else if (refs[b] < 0) throw new IllegalStateException("KV block " + b + " released twice");
        }
        seq.clear();
    }

    private void append(int b) {
        prev[b] = tail;
        next[b] = -1;
        if (tail >= 0) next[tail] = b;
        else head = b;
        tail = b;
        free++;
    }

    private void unlink(int b) {
        if (prev[b] >= 0) next[prev[b]] = next[b];
        else head = next[b];
        if (next[b] >= 0) prev[next[b]] = prev[b];
        else tail = prev[b];
        prev[b] = next[b] = -1;
        free--;
    }
}
