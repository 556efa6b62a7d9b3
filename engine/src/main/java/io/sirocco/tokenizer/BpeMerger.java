package io.sirocco.tokenizer;

import java.util.PriorityQueue;

/**
 * The merge loop shared by all BPE flavours: start from initial symbols (bytes or UTF-8 characters) and repeatedly
 * merge the adjacent pair with the lowest priority value, the leftmost one on ties. A heap of candidate pairs keeps
 * this O(n log n), so a 100 KB piece without spaces costs milliseconds, not minutes.
 *
 * <p>The flavours differ only in how a pair is ranked ({@link MergeRule}): Tekken by the rank of the concatenated
 * bytes, GPT-2 GGUF by the index of the pair in {@code merges}, SentencePiece by the score of the merged token.
 */
final class BpeMerger {
    private BpeMerger() {}

    @FunctionalInterface
    interface MergeRule {
        /**
         * Whether symbols {@code text[start, mid)} (id {@code leftId}, -1 if not a token) and {@code text[mid, end)}
         * merge: returns {@code (priority << 32) | mergedId} with priority ≥ 0, or -1 when they do not.
         */
        long merge(byte[] text, int start, int mid, int end, int leftId, int rightId);
    }

    /** Final symbols in order: symbol k spans {@code text[start[k], end[k])}, id {@code id[k]} (-1: not a token). */
    record Symbols(int count, int[] start, int[] end, int[] id) {}

    private record Candidate(long key, int right, int rightEnd, int merged) {} // key = priority << 32 | left symbol index

    /**
     * @param bounds symbol start offsets followed by the end offset (length = symbol count + 1)
     * @param ids    initial symbol ids (-1 where the symbol is not a token)
     */
    static Symbols merge(byte[] text, int[] bounds, int[] ids, MergeRule rule) {
        int n = ids.length;
        int[] start = new int[n], end = new int[n], id = ids.clone(), next = new int[n], prev = new int[n];
        boolean[] dead = new boolean[n];
        for (int i = 0; i < n; i++) {
            start[i] = bounds[i];
            end[i] = bounds[i + 1];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>(Math.max(1, n), (a, b) -> Long.compare(a.key, b.key));
        for (int i = 0; i + 1 < n; i++) offer(queue, rule, text, i, i + 1, start, end, id);
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int left = (int) c.key, right = c.right;
            // Stale if either side was merged away or grew since this pair was offered.
            if (dead[left] || dead[right] || next[left] != right || end[right] != c.rightEnd) continue;
            end[left] = end[right];
            id[left] = c.merged;
            dead[right] = true;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) offer(queue, rule, text, prev[left], left, start, end, id);
            if (next[left] >= 0) offer(queue, rule, text, left, next[left], start, end, id);
        }
        int count = 0;
        for (int i = 0; i != -1 && n > 0; i = next[i]) {
            start[count] = start[i];
            end[count] = end[i];
            id[count] = id[i];
            count++;
        }
        return new Symbols(count, start, end, id);
    }

    private static void offer(PriorityQueue<Candidate> q, MergeRule rule, byte[] text, int left, int right,
                              int[] start, int[] end, int[] id) {
        long m = rule.merge(text, start[left], end[left], end[right], id[left], id[right]);
        if (m < 0) return;
        q.add(new Candidate(((m >>> 32) << 32) | left, right, end[right], (int) m));
    }
}
