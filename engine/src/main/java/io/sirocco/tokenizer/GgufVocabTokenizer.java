package io.sirocco.tokenizer;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/** What the two GGUF tokenizer kinds share: the token list, token types, special ids and per-token bytes. */
abstract class GgufVocabTokenizer extends AbstractTokenizer {
    final String[] tokens;
    final int[] types;
    final byte[][] bytes;   // id → the bytes it decodes to (special: its name)
    final int bos, eos, unk;
    private final Map<String, Integer> specialIds = new HashMap<>();

    GgufVocabTokenizer(GgufTokenizerKeys keys) {
        this.tokens = keys.strings(GgufTokenizerKeys.TOKENS);
        if (tokens.length == 0) throw new IllegalArgumentException("GGUF key " + GgufTokenizerKeys.TOKENS + " is empty");
        this.types = keys.tokenTypes(tokens.length);
        this.bytes = new byte[tokens.length][];
        for (int id = 0; id < tokens.length; id++) {
            if (isSpecialType(types[id])) {
                bytes[id] = Gpt2ByteMap.utf8(tokens[id]);
                specialIds.putIfAbsent(tokens[id], id);
            }
        }
        this.bos = keys.id(GgufTokenizerKeys.BOS, tokens.length);
        this.eos = keys.id(GgufTokenizerKeys.EOS, tokens.length);
        this.unk = keys.id(GgufTokenizerKeys.UNK, tokens.length);
    }

    static boolean isSpecialType(int type) {
        return type == GgufTokenizerKeys.CONTROL || type == GgufTokenizerKeys.UNKNOWN || type == GgufTokenizerKeys.UNUSED;
    }

    /** The id to emit for a piece of text the vocabulary cannot spell. */
    int unknownId(String what) {
        if (unk < 0) throw new IllegalArgumentException("cannot encode " + what + ": not in the vocabulary and no unknown token");
        return unk;
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    /** {@code tokenizer.ggml.bos_token_id}, or -1 when the file has none. */
    @Override
    public int bosId() {
        return bos;
    }

    /** {@code tokenizer.ggml.eos_token_id}, or -1 when the file has none. */
    @Override
    public int eosId() {
        return eos;
    }

    @Override
    public OptionalInt specialId(String name) {
        Integer id = specialIds.get(name);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < types.length && isSpecialType(types[id]);
    }

    @Override
    public byte[] tokenBytes(int id) {
        checkId(id);
        return bytes[id].clone();
    }

    /** The token's text as stored in the GGUF (GPT-2 spelling or SentencePiece {@code ▁} form). */
    public String tokenText(int id) {
        checkId(id);
        return tokens[id];
    }
}
