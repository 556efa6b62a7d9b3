package io.sirocco.engine;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Paged key/value cache: fixed-size blocks of {@code blockSize} positions shared by all sequences; each sequence
 * owns a block table ({@link SequenceKv}). Keys and values of one layer live in one array:
 * {@code k[layer]} is (numBlocks, blockSize, kvDim), so a position's key is kvDim contiguous floats.
 */
public final class KvCache {
    /**
     * What a decoder keeps per position and layer: {@code width} floats of keys, and as many of values when
     * {@code values} (a dense decoder: nKvHeads·headDim of each; MLA: one compressed latent + rope key, no values).
     */
    public record Shape(int layers, int width, boolean values) {
        public Shape {
            if (layers <= 0 || width <= 0) throw new IllegalArgumentException("KV cache needs positive layers and width: " + layers + ", " + width);
        }
    }

    private final int nLayers;
    private final int kvDim;
    private final int blockSize;
    private final int numBlocks;
    private final float[][] k; // [layer] (numBlocks · blockSize · kvDim)
    private final float[][] v; // [layer] (numBlocks · blockSize · kvDim)
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    public KvCache(int nLayers, int kvDim, int blockSize, int numBlocks) {
        this(new Shape(nLayers, kvDim, true), blockSize, numBlocks);
    }

    public KvCache(Shape shape, int blockSize, int numBlocks) {
        int nLayers = shape.layers(), kvDim = shape.width();
        if (blockSize <= 0 || numBlocks <= 0) throw new IllegalArgumentException("KV cache needs positive block size and count");
        long perLayer = (long) numBlocks * blockSize * kvDim;
        if (perLayer > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("KV cache too large for one array per layer: " + perLayer + " floats");
        this.nLayers = nLayers;
        this.kvDim = kvDim;
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.k = new float[nLayers][(int) perLayer];
        this.v = shape.values() ? new float[nLayers][(int) perLayer] : null;
        for (int b = 0; b < numBlocks; b++) free.add(b);
    }

    /** A cache able to hold {@code tokens} positions in total, in blocks of 16. */
    public static KvCache forTokens(int nLayers, int kvDim, int tokens) {
        return forTokens(new Shape(nLayers, kvDim, true), tokens);
    }

    /** A cache of the given shape able to hold {@code tokens} positions in total, in blocks of 16. */
    public static KvCache forTokens(Shape shape, int tokens) {
        int blockSize = 16;
        return new KvCache(shape, blockSize, Math.max(1, (tokens + blockSize - 1) / blockSize));
    }

    public int blockSize() {
        return blockSize;
    }

    /** Floats per position and layer in {@link #keys} (and {@link #values} when present). */
    public int kvDim() {
        return kvDim;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public synchronized int freeBlocks() {
        return free.size();
    }

    public float[] keys(int layer) {
        return k[layer];
    }

    public float[] values(int layer) {
        if (v == null) throw new IllegalStateException("this KV cache holds keys only (a latent cache)");
        return v[layer];
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

    /** Offset into {@link #keys}/{@link #values} of the given position of a sequence. */
    public int offset(SequenceKv seq, int position) {
        return (seq.block(position / blockSize) * blockSize + position % blockSize) * kvDim;
    }

    /** A sequence's block table. */
    public static final class SequenceKv {
        private int[] blocks = new int[4];
        private int count;

        int blockCount() {
            return count;
        }

        int block(int i) {
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
