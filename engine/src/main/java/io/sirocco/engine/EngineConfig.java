package io.sirocco.engine;

import io.sirocco.model.ModelConfig;
import java.time.Duration;

/**
 * Settings of the {@link BatchingEngine} (vLLM's flag names in parentheses).
 *
 * @param maxNumSeqs          sequences processed together in one step (--max-num-seqs)
 * @param maxNumBatchedTokens tokens in one forward step: decode tokens plus prompt chunks (--max-num-batched-tokens)
 * @param blockSize           positions per KV block (--block-size)
 * @param kvBlocks            KV blocks in the cache; 0 = derive from {@code kvMemoryBytes}
 * @param kvMemoryBytes       memory for the KV cache when {@code kvBlocks} is 0 (--kv-cache-memory)
 * @param kvType              storage type of keys and values (--kv-cache-dtype)
 * @param prefixCaching       reuse computed full blocks across requests (--enable-prefix-caching)
 * @param drainTimeout        how long {@link Engine#close()} lets running requests finish before cancelling them
 */
public record EngineConfig(int maxNumSeqs, int maxNumBatchedTokens, int blockSize, int kvBlocks, long kvMemoryBytes, KvType kvType,
                           boolean prefixCaching, Duration drainTimeout) {

    public EngineConfig {
        if (maxNumSeqs < 1) throw new IllegalArgumentException("max_num_seqs must be ≥ 1, got " + maxNumSeqs);
        if (maxNumBatchedTokens < 1) throw new IllegalArgumentException("max_num_batched_tokens must be ≥ 1, got " + maxNumBatchedTokens);
        if (blockSize < 1) throw new IllegalArgumentException("block_size must be ≥ 1, got " + blockSize);
        if (kvBlocks < 0 || kvMemoryBytes < 0) throw new IllegalArgumentException("KV cache size must not be negative");
        if (kvBlocks == 0 && kvMemoryBytes == 0) throw new IllegalArgumentException("give the KV cache size as blocks or as bytes");
        if (kvType == null) throw new IllegalArgumentException("kv cache type missing");
        if (drainTimeout == null || drainTimeout.isNegative()) throw new IllegalArgumentException("drain timeout must be ≥ 0");
    }

    /** 16 sequences, 512 tokens a step, blocks of 16, 1 GiB of f16 KV, prefix caching on. */
    public static EngineConfig defaults() {
        return new EngineConfig(16, 512, 16, 0, 1L << 30, KvType.F16, true, Duration.ofSeconds(30));
    }

    /** KV blocks for this model: {@code kvBlocks}, or as many as {@code kvMemoryBytes} holds. */
    public int blocksFor(ModelConfig model) {
        if (kvBlocks > 0) return kvBlocks;
        long per = KvCache.blockBytes(model.nLayers(), model.kvDim(), blockSize, kvType);
        long n = kvMemoryBytes / per;
        if (n < 1) throw new IllegalArgumentException("KV cache memory of " + kvMemoryBytes + " bytes holds no block of " + per + " bytes");
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    public EngineConfig withMaxNumSeqs(int n) {
        return new EngineConfig(n, maxNumBatchedTokens, blockSize, kvBlocks, kvMemoryBytes, kvType, prefixCaching, drainTimeout);
    }

    public EngineConfig withMaxNumBatchedTokens(int n) {
        return new EngineConfig(maxNumSeqs, n, blockSize, kvBlocks, kvMemoryBytes, kvType, prefixCaching, drainTimeout);
    }

    public EngineConfig withBlockSize(int n) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, n, kvBlocks, kvMemoryBytes, kvType, prefixCaching, drainTimeout);
    }

    /** A cache of exactly {@code n} blocks. */
    public EngineConfig withKvBlocks(int n) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, blockSize, n, kvMemoryBytes, kvType, prefixCaching, drainTimeout);
    }

    /** A cache sized by memory (clears any block count). */
    public EngineConfig withKvMemoryBytes(long bytes) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, blockSize, 0, bytes, kvType, prefixCaching, drainTimeout);
    }

    public EngineConfig withKvType(KvType t) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, blockSize, kvBlocks, kvMemoryBytes, t, prefixCaching, drainTimeout);
    }

    public EngineConfig withPrefixCaching(boolean on) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, blockSize, kvBlocks, kvMemoryBytes, kvType, on, drainTimeout);
    }

    public EngineConfig withDrainTimeout(Duration d) {
        return new EngineConfig(maxNumSeqs, maxNumBatchedTokens, blockSize, kvBlocks, kvMemoryBytes, kvType, prefixCaching, d);
    }
}
