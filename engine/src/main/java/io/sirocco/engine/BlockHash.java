package io.sirocco.engine;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Identity of a full KV block for prefix caching (vLLM's design): a hash chained over the parent block's hash, the
 * block's token ids and any extra keys (image content hashes), so equal hashes mean equal prefixes up to and including
 * the block. 128 bits of SHA-256: collisions are not a practical concern.
 */
record BlockHash(long hi, long lo) {

    /** Hashes blocks one after another; not thread-safe (one per engine thread). */
    static final class Hasher {
        private final MessageDigest sha;
        private final ByteBuffer buf = ByteBuffer.allocate(4096);

        Hasher() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }

        /** The hash of tokens[from..from+n) following {@code parent} (null for the first block), with {@code extra} (or null). */
        BlockHash next(BlockHash parent, int[] tokens, int from, int n, String extra) {
            sha.reset();
            buf.clear();
            buf.putLong(parent == null ? 0 : parent.hi).putLong(parent == null ? 0 : parent.lo).putInt(n);
            for (int i = 0; i < n; i++) {
                if (buf.remaining() < 4) flush();
                buf.putInt(tokens[from + i]);
            }
            flush();
            if (extra != null) sha.update(extra.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            ByteBuffer d = ByteBuffer.wrap(sha.digest());
            return new BlockHash(d.getLong(), d.getLong());
        }

        private void flush() {
            sha.update(buf.array(), 0, buf.position());
            buf.clear();
        }
    }
}
