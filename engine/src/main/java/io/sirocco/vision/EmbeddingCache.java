package io.sirocco.vision;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encoder outputs by image content hash ({@link ImageHash}), least recently used evicted first once the held floats
 * exceed a byte budget. A repeated image (same picture in a later turn or request) skips the tower entirely.
 * Thread-safe; the stored arrays are shared, so callers must not modify what they get.
 */
public final class EmbeddingCache {
    private final long maxBytes;
    private final LinkedHashMap<String, float[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits, misses;

    /** @param maxBytes budget for the cached embeddings; 0 disables caching */
    public EmbeddingCache(long maxBytes) {
        if (maxBytes < 0) throw new IllegalArgumentException("cache size must not be negative: " + maxBytes);
        this.maxBytes = maxBytes;
    }

    public synchronized float[] get(String hash) {
        float[] v = entries.get(hash);
        if (v == null) misses++;
        else hits++;
        return v;
    }

    public synchronized void put(String hash, float[] embeddings) {
        long size = (long) embeddings.length * Float.BYTES;
        if (size > maxBytes) return;
        float[] old = entries.put(hash, embeddings);
        if (old != null) bytes -= (long) old.length * Float.BYTES;
        bytes += size;
        var it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<String, float[]> e = it.next();
            bytes -= (long) e.getValue().length * Float.BYTES;
            it.remove();
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    public synchronized void clear() {
        entries.clear();
        bytes = 0;
    }
}
