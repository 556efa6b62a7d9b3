package io.sirocco.engine;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Paged key/value cache: fixed-size blocks of {@code blockSize} positions shared by all sequences; each sequence
 * owns a block table ({@link SequenceKv}). A position lives in slot {@code block · blockSize + position % blockSize};
 * the {@link KvStorage} behind it holds (slots, width) keys — and values, for a dense decoder — per layer in the chosen
 * {@link KvType}.
 *
 * <p>{@link #reserve}/{@link #release} are a simple allocator for one-sequence use ({@link Generator}); the serving
 * engine manages blocks with its {@link BlockPool} instead (shared prefix blocks, reference counts, LRU).
 */
public final class KvCache {
    /**
     * What a decoder keeps per position and layer: {@code width} floats of keys, and as many of values when
     * {@code values} (a dense decoder: nKvHeads·headDim of each; MLA: one compressed latent + rope key, no values).
     * {@code unit} is the span attention reads at once (head_dim), which block-quantized storage must align with.
     */
    public record Shape(int layers, int width, boolean values, int unit) {
        public Shape {
            if (layers <= 0 || width <= 0 || unit <= 0 || width % unit != 0)
                throw new IllegalArgumentException("KV cache needs positive layers and a width that is a multiple of its unit: "
                        + layers + ", " + width + ", " + unit);
        }

        public Shape(int layers, int width, boolean values) {
            this(layers, width, values, width);
        }

        /** Bytes one block of {@code blockSize} positions takes over all layers. */
        public long blockBytes(int blockSize, KvType type) {
            return (long) Math.ceil((values ? 2.0 : 1.0) * layers * blockSize * width * type.bytesPerValue);
        }
    }

    private final Shape shape;
    private final int blockSize;
    private final int numBlocks;
    private final KvType type;
    private final KvStorage storage;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    /** An f32 cache for a dense decoder. */
    public KvCache(int nLayers, int kvDim, int blockSize, int numBlocks) {
        this(new Shape(nLayers, kvDim, true), blockSize, numBlocks, KvType.F32);
    }

    /** A dense decoder's cache (keys and values of kvDim, read per head of headDim). */
    public KvCache(int nLayers, int kvDim, int headDim, int blockSize, int numBlocks, KvType type) {
        this(new Shape(nLayers, kvDim, true, headDim), blockSize, numBlocks, type);
    }

    public KvCache(Shape shape, int blockSize, int numBlocks) {
        this(shape, blockSize, numBlocks, KvType.F32);
    }

    public KvCache(Shape shape, int blockSize, int numBlocks, KvType type) {
        if (blockSize <= 0 || numBlocks <= 0) throw new IllegalArgumentException("KV cache needs positive block size and count");
        this.shape = shape;
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.type = type;
        this.storage = KvStorage.create(type, shape, Math.multiplyExact(numBlocks, blockSize));
        for (int b = 0; b < numBlocks; b++) free.add(b);
    }

    /** An f32 cache able to hold {@code tokens} positions in total, in blocks of 16. */
    public static KvCache forTokens(int nLayers, int kvDim, int tokens) {
        return forTokens(new Shape(nLayers, kvDim, true), tokens);
    }

    /** An f32 cache of the given shape able to hold {@code tokens} positions in total, in blocks of 16. */
    public static KvCache forTokens(Shape shape, int tokens) {
        int blockSize = 16;
        return new KvCache(shape, blockSize, Math.max(1, (tokens + blockSize - 1) / blockSize));
    }

    public Shape shape() {
        return shape;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Floats per position and layer in each plane (the shape's width). */
    public int kvDim() {
        return shape.width();
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

    /** Stores the keys k[kOff..] and values v[vOff..] (width each) of one position. */
    public void write(int layer, int slot, float[] k, int kOff, float[] v, int vOff) {
        storage.write(KvStorage.KEYS, layer, slot, k, kOff);
        storage.write(KvStorage.VALUES, layer, slot, requireValues(v), vOff);
    }

    /** Stores the keys only (a latent cache: the values are derived from the same latent). */
    public void writeKey(int layer, int slot, float[] k, int kOff) {
        storage.write(KvStorage.KEYS, layer, slot, k, kOff);
    }

    /** Σ_i q[qOff+i] · key[headOff+i] of the position in {@code slot}, i < n (one head). */
    public float dotKey(int layer, int slot, int headOff, float[] q, int qOff, int n) {
        return storage.dot(KvStorage.KEYS, layer, slot, headOff, q, qOff, n);
    }

    /** out[outOff+i] += a · value[headOff+i] of the position in {@code slot}, i < n (one head). */
    public void addValue(int layer, int slot, int headOff, float a, float[] out, int outOff, int n) {
        requireValues(out);
        storage.axpy(KvStorage.VALUES, layer, slot, headOff, a, out, outOff, n);
    }

    /** out[outOff+i] += a · key[off+i]: attention that reads its values from the cached latent (MLA). */
    public void addKey(int layer, int slot, int off, float a, float[] out, int outOff, int n) {
        storage.axpy(KvStorage.KEYS, layer, slot, off, a, out, outOff, n);
    }

    /** The keys [off, off+n) of a slot widened to f32 (references and tests; attention uses {@link #dotKey}). */
    public void readKey(int layer, int slot, int off, float[] dst, int dstOff, int n) {
        storage.read(KvStorage.KEYS, layer, slot, off, dst, dstOff, n);
    }

    /** The values [off, off+n) of a slot widened to f32. */
    public void readValue(int layer, int slot, int off, float[] dst, int dstOff, int n) {
        storage.read(KvStorage.VALUES, layer, slot, off, requireValues(dst), dstOff, n);
    }

    private float[] requireValues(float[] v) {
        if (!shape.values()) throw new IllegalStateException("this KV cache holds keys only (a latent cache)");
        return v;
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
        return shape.layers();
    }
}
