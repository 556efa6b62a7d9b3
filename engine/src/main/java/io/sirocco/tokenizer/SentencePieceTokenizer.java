package io.sirocco.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GGUF {@code tokenizer.ggml.model = "llama"}: SentencePiece-style BPE as llama.cpp runs it ({@code llm_tokenizer_spm}).
 * Spaces become {@code ▁}, one is put in front of the text ({@code tokenizer.ggml.add_space_prefix}, default true),
 * the text starts as UTF-8 characters and the adjacent pair whose concatenation is the token with the highest score
 * merges first (leftmost on ties). Characters that end up as no token are written as {@code <0xXX>} byte tokens.
 */
public final class SentencePieceTokenizer extends GgufVocabTokenizer {
    private static final char SPACE = '\u2581';

    private final boolean addSpacePrefix;
    private final ByteSliceTable table;   // UTF-8 of token text (with ▁) → id, text tokens only
    private final int[] scoreRank;        // id → 0 for the highest score, equal scores share a rank
    private final int[] byteIds = new int[256];

    SentencePieceTokenizer(GgufTokenizerKeys keys) {
        super(keys);
        this.addSpacePrefix = keys.bool(GgufTokenizerKeys.ADD_SPACE_PREFIX, true);
        float[] scores = keys.scores(tokens.length);
        byte[][] textBytes = new byte[tokens.length][];
        int[] idOf = new int[tokens.length];
        Arrays.fill(byteIds, -1);
        for (int id = 0; id < tokens.length; id++) {
            idOf[id] = id;
            if (bytes[id] != null) continue; // special
            int b = byteValue(tokens[id]);
            if (types[id] == GgufTokenizerKeys.BYTE) {
                if (b < 0) throw new IllegalArgumentException("GGUF byte token " + id + " is not <0xXX>: " + tokens[id]);
                if (byteIds[b] < 0) byteIds[b] = id;
                bytes[id] = new byte[] {(byte) b};
            } else {
                textBytes[id] = tokens[id].getBytes(StandardCharsets.UTF_8);
                bytes[id] = tokens[id].replace(SPACE, ' ').getBytes(StandardCharsets.UTF_8);
            }
        }
        this.table = new ByteSliceTable(textBytes, idOf);
        this.scoreRank = denseRanks(scores);
    }

    /** Ranks scores from highest (0) down; equal scores get equal ranks so that ties go to the leftmost pair. */
    private static int[] denseRanks(float[] scores) {
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        int[] rank = new int[scores.length];
        for (int i = 0; i < scores.length; i++) {
            // number of scores above scores[i]: equal scores share it
            int pos = Arrays.binarySearch(sorted, scores[i]);
            while (pos + 1 < sorted.length && Float.compare(sorted[pos + 1], scores[i]) == 0) pos++;
            rank[i] = sorted.length - 1 - pos;
        }
        return rank;
    }

    private static int byteValue(String token) {
        if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') return -1;
        try {
            return Integer.parseInt(token.substring(3, 5), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    boolean stripsLeadingSpace() {
        return addSpacePrefix;
    }

    @Override
    public int[] encode(String text) {
        if (text.isEmpty()) return new int[0];
        String escaped = ((addSpacePrefix ? " " : "") + text).replace(' ', SPACE);
        byte[] b = escaped.getBytes(StandardCharsets.UTF_8);
        // Initial symbols: one per UTF-8 character.
        IntBuffer starts = new IntBuffer(b.length + 1);
        for (int i = 0; i < b.length; i++) if ((b[i] & 0xC0) != 0x80) starts.add(i);
        starts.add(b.length);
        int[] bounds = starts.toArray();
        int[] ids = new int[bounds.length - 1];
        for (int k = 0; k < ids.length; k++) ids[k] = table.find(b, bounds[k], bounds[k + 1]);
        BpeMerger.Symbols s = BpeMerger.merge(b, bounds, ids, (t, start, mid, end, l, r) -> {
            int merged = table.find(t, start, end);
            return merged < 0 ? -1 : ((long) scoreRank[merged] << 32) | merged;
        });
        IntBuffer out = new IntBuffer(s.count() + 4);
        for (int k = 0; k < s.count(); k++) {
            if (s.id()[k] >= 0) {
                out.add(s.id()[k]);
                continue;
            }
            for (int i = s.start()[k]; i < s.end()[k]; i++) { // byte fallback
                int id = byteIds[b[i] & 0xff];
                out.add(id >= 0 ? id : unknownId("byte " + (b[i] & 0xff)));
            }
        }
        return out.toArray();
    }
}
