package io.sirocco.engine;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Paged key/value cache: fixed-size blocks of {@code blockSize} positions shared by all sequences; each sequence
 * owns a block table ({@link SequenceKv}). A position lives in slot {@code block · blockSize + position % blockSize};
 * the {@link KvStorage} behind it holds (slots, kvDim) keys and values per layer in the chosen {@link KvType}.
 *
 * <p>{@link #reserve}/{@link #release} are a simple allocator for one-sequence use ({@link Generator}); the serving
 * engine manages blocks with its {@link BlockPool} instead (shared prefix blocks, reference counts, LRU).
 */
public final class KvCache {
    private final int nLayers;
    private final int kvDim;
    private final int blockSize;
    private final int numBlocks;
    private final KvType type;
    private final KvStorage storage;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    /** An f32 cache. */
    public KvCache(int nLayers, int kvDim, int blockSize, int numBlocks) {
        this(nLayers, kvDim, kvDim, blockSize, numBlocks, KvType.F32);
    }

    public KvCache(int nLayers, int kvDim, int headDim, int blockSize, int numBlocks, KvType type) {
        if (blockSize <= 0 || numBlocks <= 0) throw new IllegalArgumentException("KV cache needs positive block size and count");
        if (nLayers <= 0 || kvDim <= 0 || headDim <= 0 || kvDim % headDim != 0)
            throw new IllegalArgumentException("KV cache needs positive layers and kv_dim a multiple of head_dim: " + nLayers + ", " + kvDim + ", " + headDim);
        this.nLayers = nLayers;
        this.kvDim = kvDim;
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.type = type;
        this.storage = KvStorage.create(type, nLayers, kvDim, headDim, Math.multiplyExact(numBlocks, blockSize));
        for (int b = 0; b < numBlocks; b++) free.add(b);
    }

    /** A cache able to hold {@code tokens} positions in total, in blocks of 16. */
    public static KvCache forTokens(int nLayers, int kvDim, int tokens) {
        int blockSize = 16;
        return new KvCache(nLayers, kvDim, blockSize, Math.max(1, (tokens + blockSize - 1) / blockSize));
    }

    /** Bytes one block takes over all layers (keys and values). */
    public static long blockBytes(int nLayers, int kvDim, int blockSize, KvType type) {
        return (long) Math.ceil(2.0 * nLayers * blockSize * kvDim * type.bytesPerValue);
    }

    public int blockSize() {
        return blockSize;
    }

    public int kvDim() {
        return kvDim;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public KvType type() {
        return type;
    }

    public synchronized int freeBlocks() {
        return free.size();
    }

    /** Grows the sequence's block table to hold {@code positions} positions; false (nothing taken) if blocks run out. */
    public synchronized boolean reserve(SequenceKv seq, int positions) {
        int need = (positions + blockSize - 1) / blockSize - seq.blockCount();
        if (need <= 0) return true;
        if (need > free.size()) return false;
        for (int i = 0; i < need; i++) seq.addBlock(free.poll());
        return true;
    }

    /** Returns all of the sequence's blocks to the free list. */
    public synchronized void release(SequenceKv seq) {
        for (int i = 0; i < seq.blockCount(); i++) free.add(seq.block(i));
        seq.clear();
    }

    /** The storage slot of a sequence's position (its block must be in the table). */
    public int slot(SequenceKv seq, int position) {
        return seq.block(position / blockSize) * blockSize + position % blockSize;
    }

    /** Stores the kvDim keys k[kOff..] and values v[vOff..] of one position. */
    public void write(int layer, int slot, float[] k, int kOff, float[] v, int vOff) {
        storage.write(layer, slot, k, kOff, v, vOff);
    }

    /** Σ_i q[qOff+i] · key[headOff+i] of the position in {@code slot}, i < n (one head). */
    public float dotKey(int layer, int slot, int headOff, float[] q, int qOff, int n) {
        return storage.dotKey(layer, slot, headOff, q, qOff, n);
    }

    /** out[outOff+i] += a · value[headOff+i] of the position in {@code slot}, i < n (one head). */
    public void addValue(int layer, int slot, int headOff, float a, float[] out, int outOff, int n) {
        storage.addValue(layer, slot, headOff, a, out, outOff, n);
    }

    /** A sequence's block table. */
    public static final class SequenceKv {
        private int[] blocks = new int[4];
        private int count;

        public int blockCount() {
            return count;
        }

        public int block(int i) {
            if (i >= count) throw new IllegalStateException("position beyond the reserved KV blocks");
            return blocks[i];
        }

        void addBlock(int b) {
            if (count == blocks.length) blocks = Arrays.copyOf(blocks, count * 2);
            blocks[count++] = b;
        }

        void clear() {
            count = 0;
        }

        /** Positions this sequence can hold without reserving more. */
        public int capacity(int blockSize) {
            return count * blockSize;
        }
    }

    int layers() {
        return nLayers;
    }
}
