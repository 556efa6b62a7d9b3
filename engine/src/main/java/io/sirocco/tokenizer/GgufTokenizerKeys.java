package io.sirocco.tokenizer;

import java.util.List;
import java.util.Map;

/**
 * Typed, checked access to the {@code tokenizer.ggml.*} keys of a GGUF metadata map (integers as Long, float32 as
 * Float, arrays as List). A missing or mistyped key is an {@link IllegalArgumentException} naming the key.
 */
final class GgufTokenizerKeys {
    static final String MODEL = "tokenizer.ggml.model";
    static final String PRE = "tokenizer.ggml.pre";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String TOKEN_TYPE = "tokenizer.ggml.token_type";
    static final String SCORES = "tokenizer.ggml.scores";
    static final String MERGES = "tokenizer.ggml.merges";
    static final String BOS = "tokenizer.ggml.bos_token_id";
    static final String EOS = "tokenizer.ggml.eos_token_id";
    static final String UNK = "tokenizer.ggml.unknown_token_id";
    static final String ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";

    /** llama.cpp's token types. */
    static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private final Map<String, Object> metadata;

    GgufTokenizerKeys(Map<String, Object> metadata) {
        if (metadata == null) throw new IllegalArgumentException("GGUF metadata is null");
        this.metadata = metadata;
    }

    boolean has(String key) {
        return metadata.get(key) != null;
    }

    String string(String key) {
        Object v = require(key);
        if (!(v instanceof String s)) throw wrongType(key, "a string", v);
        return s;
    }

    String string(String key, String fallback) {
        return has(key) ? string(key) : fallback;
    }

    /** An id key; -1 when absent. Ids stored as uint32 0xFFFFFFFF (llama.cpp's "none") also read as -1. */
    int id(String key, int vocabSize) {
        Object v = metadata.get(key);
        if (v == null) return -1;
        if (!(v instanceof Long l)) throw wrongType(key, "an integer", v);
        if (l == 0xFFFFFFFFL || l == -1) return -1;
        if (l < 0 || l >= vocabSize)
            throw new IllegalArgumentException("GGUF key " + key + " = " + l + " is outside the vocabulary (" + vocabSize + " tokens)");
        return (int) (long) l;
    }

    boolean bool(String key, boolean fallback) {
        Object v = metadata.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Boolean b)) throw wrongType(key, "a boolean", v);
        return b;
    }

    String[] strings(String key) {
        List<?> list = list(key);
        String[] out = new String[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof String s)) throw wrongType(key + "[" + i + "]", "a string", list.get(i));
            out[i] = s;
        }
        return out;
    }

    /** Token types; all NORMAL when the key is absent (as llama.cpp assumes). */
    int[] tokenTypes(int vocabSize) {
        int[] out = new int[vocabSize];
        if (!has(TOKEN_TYPE)) {
            java.util.Arrays.fill(out, NORMAL);
            return out;
        }
        List<?> list = list(TOKEN_TYPE);
        checkLength(TOKEN_TYPE, list.size(), vocabSize);
        for (int i = 0; i < vocabSize; i++) {
            if (!(list.get(i) instanceof Long l)) throw wrongType(TOKEN_TYPE + "[" + i + "]", "an integer", list.get(i));
            out[i] = (int) (long) l;
        }
        return out;
    }

    float[] scores(int vocabSize) {
        List<?> list = list(SCORES);
        checkLength(SCORES, list.size(), vocabSize);
        float[] out = new float[vocabSize];
        for (int i = 0; i < vocabSize; i++) {
            if (!(list.get(i) instanceof Number n)) throw wrongType(SCORES + "[" + i + "]", "a number", list.get(i));
            out[i] = n.floatValue();
        }
        return out;
    }

    private List<?> list(String key) {
        Object v = require(key);
        if (!(v instanceof List<?> l)) throw wrongType(key, "an array", v);
        return l;
    }

    private Object require(String key) {
        Object v = metadata.get(key);
        if (v == null) throw new IllegalArgumentException("GGUF tokenizer metadata: missing key " + key);
        return v;
    }

    private static void checkLength(String key, int got, int vocabSize) {
        if (got != vocabSize)
            throw new IllegalArgumentException("GGUF key " + key + " has " + got + " entries, " + TOKENS + " has " + vocabSize);
    }

    private static IllegalArgumentException wrongType(String key, String expected, Object v) {
        return new IllegalArgumentException("GGUF key " + key + " must be " + expected + ", found "
                + (v == null ? "nothing" : v.getClass().getSimpleName()));
    }
}
