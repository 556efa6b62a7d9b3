package io.sirocco.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a Tekken vocabulary the way llama.cpp's converter stores it in GGUF: {@code tokenizer.ggml.model} "gpt2",
 * pre-tokenizer "tekken", tokens = the special names then each rank's bytes in GPT-2 spelling, token types (3 = control,
 * 1 = normal) and merges rebuilt from the ranks. Used to write demo and bench models that both Sirocco and llama.cpp load.
 */
public final class TekkenGgufVocabulary {
    private TekkenGgufVocabulary() {}

    /** Special-token names of ids 0..35 as the Tekken files name them; higher special ids are {@code <SPECIAL_n>}. */
    private static final String[] NAMED = {"<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
            "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]", "[PREFIX]", "[MIDDLE]",
            "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]"};

    /** The GGUF tokenizer keys for a Tekken tokenizer (merges are rebuilt: every multi-byte rank splits into two earlier ranks). */
    public static Map<String, Object> of(TekkenTokenizer tok) {
        int specials = tok.numSpecialTokens();
        List<byte[]> ranks = new ArrayList<>();
        for (int id = specials; id < tok.vocabSize(); id++) ranks.add(tok.tokenBytes(id));
        List<String> names = new ArrayList<>();
        for (int id = 0; id < specials; id++) names.add(new String(tok.tokenBytes(id), java.nio.charset.StandardCharsets.UTF_8));
        return metadata(names, ranks, merges(ranks));
    }

    /** A byte-level vocabulary: {@code specials} special tokens then the 256 single bytes, no merges. */
    public static Map<String, Object> byteLevel(int specials) {
        List<String> names = new ArrayList<>();
        for (int id = 0; id < specials; id++) names.add(id < NAMED.length ? NAMED[id] : id == 32 ? "[ARGS]" : id == 33 ? "[CALL_ID]"
                : id == 34 ? "[THINK]" : id == 35 ? "[/THINK]" : "<SPECIAL_" + id + ">");
        List<byte[]> ranks = new ArrayList<>();
        for (int b = 0; b < 256; b++) ranks.add(new byte[] {(byte) b});
        return metadata(names, ranks, List.of());
    }

    private static Map<String, Object> metadata(List<String> specialNames, List<byte[]> ranks, List<String> merges) {
        List<Object> tokens = new ArrayList<>(specialNames);
        List<Object> types = new ArrayList<>();
        for (int i = 0; i < specialNames.size(); i++) types.add(3L);
        for (byte[] r : ranks) {
            tokens.add(spell(r));
            types.add(1L);
        }
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("tokenizer.ggml.model", "gpt2");
        m.put("tokenizer.ggml.pre", "tekken");
        m.put("tokenizer.ggml.tokens", tokens);
        m.put("tokenizer.ggml.token_type", types);
        m.put("tokenizer.ggml.merges", new ArrayList<Object>(merges));
        m.put("tokenizer.ggml.bos_token_id", 1L);
        m.put("tokenizer.ggml.eos_token_id", 2L);
        m.put("tokenizer.ggml.unknown_token_id", 0L);
        m.put("tokenizer.ggml.padding_token_id", 11L);
        m.put("tokenizer.ggml.add_bos_token", Boolean.TRUE);
        m.put("tokenizer.ggml.add_eos_token", Boolean.FALSE);
        return m;
    }

    private static String spell(byte[] bytes) {
        return Gpt2ByteMap.spell(bytes);
    }

    /**
     * For each multi-byte rank r, BPE over its bytes with only ranks below r ends in exactly two pieces: that pair is the
     * merge that made r. Listed in rank order, as GGUF merges are.
     */
    static List<String> merges(List<byte[]> ranks) {
        Map<String, Integer> rankOf = new HashMap<>();
        for (int r = 0; r < ranks.size(); r++) rankOf.putIfAbsent(key(ranks.get(r)), r);
        List<String> out = new ArrayList<>();
        for (int r = 0; r < ranks.size(); r++) {
            byte[] t = ranks.get(r);
            if (t.length < 2) continue;
            List<byte[]> parts = new ArrayList<>();
            for (byte b : t) parts.add(new byte[] {b});
            while (parts.size() > 2) {
                int best = -1, bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < parts.size(); i++) {
                    Integer pr = rankOf.get(key(concat(parts.get(i), parts.get(i + 1))));
                    if (pr != null && pr < r && pr < bestRank) {
                        bestRank = pr;
                        best = i;
                    }
                }
                if (best < 0) break;
                parts.set(best, concat(parts.get(best), parts.remove(best + 1)));
            }
            if (parts.size() == 2) out.add(spell(parts.get(0)) + " " + spell(parts.get(1)));
        }
        return out;
    }

    private static String key(byte[] b) {
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
