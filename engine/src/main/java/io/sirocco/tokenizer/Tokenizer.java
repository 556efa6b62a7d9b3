package io.sirocco.tokenizer;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * Text ⇄ token ids. Implementations: Tekken (tekken.json), GGUF "gpt2" BPE with merges, GGUF "llama" SentencePiece-style.
 *
 * <p>{@link #encode} treats every character as plain text: a user who types {@code [INST]} gets the tokens of those
 * characters, never the control token. Control tokens are only ever added by the chat encoder, by id.
 */
public interface Tokenizer {

    /** Number of ids, specials included. */
    int vocabSize();

    int bosId();

    int eosId();

    /** Id of a special (control) token by its string, e.g. {@code "[INST]"} → 3. */
    OptionalInt specialId(String name);

    /** True for control/special tokens (ids that are not text). */
    boolean isSpecial(int id);

    /** Encodes plain text (no BOS/EOS added). */
    int[] encode(String text);

    /** Encodes plain text, with BOS in front and/or EOS at the end (mistral-common's {@code encode(s, bos, eos)}). */
    default int[] encode(String text, boolean bos, boolean eos) {
        int[] body = encode(text);
        int start = bos ? 1 : 0;
        int[] ids = new int[body.length + start + (eos ? 1 : 0)];
        if (bos) ids[0] = bosId();
        System.arraycopy(body, 0, ids, start, body.length);
        if (eos) ids[ids.length - 1] = eosId();
        return ids;
    }

    /** The raw bytes a token stands for; for a special token, the UTF-8 bytes of its name. */
    byte[] tokenBytes(int id);

    /** Decodes ids to text; special tokens are dropped or kept as their names according to the policy. */
    String decode(int[] ids, SpecialTokenPolicy policy);

    /** A decoder fed one id at a time that never emits half a UTF-8 character. */
    StreamingDecoder streamingDecoder(SpecialTokenPolicy policy);

    /** Instruct/tokenizer version when the file carries one (tekken.json "v11", ...), else empty. */
    Optional<String> version();
}
