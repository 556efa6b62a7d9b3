package io.sirocco.tokenizer;

import java.util.Arrays;

/**
 * Token bytes → id without allocating on lookup: every entry's bytes live in one array, and an open-addressing
 * table of ids is probed with a hash of the queried slice. Merging BPE symbols asks "is bytes[from, to) a token?"
 * millions of times; a {@code HashMap<ByteBuffer, Integer>} would allocate a key per question.
 */
final class ByteSliceTable {
    private final byte[] data;
    private final int[] offsets; // entry e spans data[offsets[e], offsets[e + 1])
    private final int[] ids;     // id of entry e
    private final int[] slots;   // entry + 1, 0 = empty
    private final int mask;

    /** {@code bytes[i]} is the spelling of id {@code idOf[i]}; null entries are skipped; the first of duplicates wins. */
    ByteSliceTable(byte[][] bytes, int[] idOf) {
        int total = 0, n = 0;
        for (byte[] b : bytes) if (b != null) { total += b.length; n++; }
        data = new byte[total];
        offsets = new int[n + 1];
        ids = new int[n];
        int cap = Integer.highestOneBit(Math.max(4, n * 2 - 1)) << 1;
        slots = new int[cap];
        mask = cap - 1;
        int e = 0, pos = 0;
        for (int i = 0; i < bytes.length; i++) {
            byte[] b = bytes[i];
            if (b == null) continue;
            if (find(b, 0, b.length) >= 0) continue; // duplicate spelling: keep the first (lowest) id
            System.arraycopy(b, 0, data, pos, b.length);
            offsets[e] = pos;
            pos += b.length;
            offsets[e + 1] = pos;
            ids[e] = idOf[i];
            int s = hash(b, 0, b.length) & mask;
            while (slots[s] != 0) s = (s + 1) & mask;
            slots[s] = e + 1;
            e++;
        }
    }

    /** The id spelled by {@code buf[from, to)}, or -1. */
    int find(byte[] buf, int from, int to) {
        int s = hash(buf, from, to) & mask;
        int len = to - from;
        for (int entry; (entry = slots[s]) != 0; s = (s + 1) & mask) {
            int e = entry - 1;
            int start = offsets[e];
            if (offsets[e + 1] - start == len && Arrays.equals(data, start, start + len, buf, from, to)) return ids[e];
        }
        return -1;
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811c9dc5;
        for (int i = from; i < to; i++) h = (h ^ (b[i] & 0xff)) * 0x01000193;
        return h ^ (h >>> 16);
    }
}
