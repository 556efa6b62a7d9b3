package io.sirocco.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GGUF {@code tokenizer.ggml.model = "gpt2"}: byte-level BPE with an explicit {@code merges} list, tokens spelled with
 * GPT-2's byte-to-character map (llama.cpp's {@code llm_tokenizer_bpe}). Pairs merge in {@code merges} order, the
 * leftmost first on ties; control tokens (type 3) are never produced from text.
 *
 * <p>{@code tokenizer.ggml.pre} selects the pre-tokenizer: {@code tekken} uses Tekken's exact pattern (not llama.cpp's
 * approximation, which splits Devanagari/Bengali combining marks differently) and, like tiktoken, takes a piece that is
 * one vocabulary entry as that token; {@code llama-bpe}/{@code llama3}, {@code gpt-2} and {@code default} use the
 * published patterns. Other values are rejected rather than tokenized wrongly.
 */
public final class Gpt2BpeTokenizer extends GgufVocabTokenizer {
    private static final int CACHE_MAX_ENTRIES = 1 << 16;
    private static final int CACHE_MAX_PIECE = 64;

    private final String pre;
    private final RegexSplitter splitter;
    private final boolean ignoreMerges;
    private final ByteSliceTable table;          // bytes → id, text tokens only
    private final Map<Long, Integer> mergeRank;  // (left id << 32 | right id) → index in merges
    private final int[] byteIds = new int[256];
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    Gpt2BpeTokenizer(GgufTokenizerKeys keys) {
        super(keys);
        this.pre = keys.string(GgufTokenizerKeys.PRE, "default");
        switch (pre) {
            case "tekken" -> { splitter = new RegexSplitter(RegexSplitter.TEKKEN); ignoreMerges = true; }
            case "llama-bpe", "llama3", "llama-v3" -> { splitter = new RegexSplitter(RegexSplitter.LLAMA3); ignoreMerges = true; }
            case "gpt-2", "gpt2" -> { splitter = new RegexSplitter(RegexSplitter.GPT2); ignoreMerges = false; }
            case "default" -> { splitter = new RegexSplitter(RegexSplitter.LLAMA_CPP_DEFAULT); ignoreMerges = false; }
            default -> throw new IllegalArgumentException("unsupported " + GgufTokenizerKeys.PRE + " '" + pre
                    + "' (supported: tekken, llama-bpe, llama3, gpt-2, default)");
        }
        byte[][] textBytes = new byte[tokens.length][];
        int[] idOf = new int[tokens.length];
        for (int id = 0; id < tokens.length; id++) {
            idOf[id] = id;
            if (bytes[id] != null) continue; // special
            if (types[id] == GgufTokenizerKeys.NORMAL || types[id] == GgufTokenizerKeys.BYTE) {
                byte[] b = Gpt2ByteMap.decode(tokens[id]);
                bytes[id] = b != null ? b : Gpt2ByteMap.utf8(tokens[id]);
                textBytes[id] = b; // a token outside the byte map can never come out of byte-level merges
            } else {
                bytes[id] = Gpt2ByteMap.utf8(tokens[id]); // user-defined: written as is
            }
        }
        this.table = new ByteSliceTable(textBytes, idOf);
        for (int b = 0; b < 256; b++) byteIds[b] = table.find(new byte[] {(byte) b}, 0, 1);
        this.mergeRank = parseMerges(keys.strings(GgufTokenizerKeys.MERGES));
    }

    private Map<Long, Integer> parseMerges(String[] merges) {
        Map<Long, Integer> ranks = new HashMap<>(merges.length * 2);
        for (int i = 0; i < merges.length; i++) {
            String m = merges[i];
            int space = m.indexOf(' ', 1);
            if (space < 0)
                throw new IllegalArgumentException("GGUF key " + GgufTokenizerKeys.MERGES + "[" + i + "] is not \"left right\": " + m);
            byte[] l = Gpt2ByteMap.decode(m.substring(0, space)), r = Gpt2ByteMap.decode(m.substring(space + 1));
            if (l == null || r == null) continue;
            int left = table.find(l, 0, l.length), right = table.find(r, 0, r.length);
            if (left < 0 || right < 0) continue; // a merge whose parts are not tokens can never apply
            ranks.putIfAbsent(((long) left << 32) | right, i);
        }
        return ranks;
    }

    /** {@code tokenizer.ggml.pre} ("default" when absent). */
    public String pre() {
        return pre;
    }

    @Override
    public int[] encode(String text) {
        IntBuffer out = new IntBuffer(text.length() / 3 + 4);
        for (String piece : splitter.split(text)) {
            boolean cacheable = piece.length() <= CACHE_MAX_PIECE;
            int[] ids = cacheable ? cache.get(piece) : null;
            if (ids == null) {
                ids = encodePiece(piece.getBytes(StandardCharsets.UTF_8));
                if (cacheable) {
                    if (cache.size() >= CACHE_MAX_ENTRIES) cache.clear();
                    cache.put(piece, ids);
                }
            }
            out.addAll(ids);
        }
        return out.toArray();
    }

    private int[] encodePiece(byte[] b) {
        if (ignoreMerges) {
            int whole = table.find(b, 0, b.length);
            if (whole >= 0) return new int[] {whole};
        }
        int n = b.length;
        int[] bounds = new int[n + 1], ids = new int[n];
        for (int i = 0; i < n; i++) {
            bounds[i] = i;
            ids[i] = byteIds[b[i] & 0xff];
        }
        bounds[n] = n;
        BpeMerger.Symbols s = BpeMerger.merge(b, bounds, ids, (text, start, mid, end, l, r) -> {
            if (l < 0 || r < 0) return -1;
            Integer rank = mergeRank.get(((long) l << 32) | r);
            if (rank == null) return -1;
            int merged = table.find(text, start, end);
            return merged < 0 ? -1 : ((long) rank << 32) | merged;
        });
        IntBuffer out = new IntBuffer(s.count());
        for (int k = 0; k < s.count(); k++) {
            if (s.id()[k] >= 0) out.add(s.id()[k]);
            else out.add(unknownId("byte " + (b[s.start()[k]] & 0xff)));
        }
        return out.toArray();
    }
}
