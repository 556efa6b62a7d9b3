package io.sirocco.server;

import io.sirocco.tokenizer.Tokenizer;
import java.nio.ByteBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Text prompts to ids, and ids to the token strings shown in logprobs and /tokenize. */
final class Prompts {
    private Prompts() {}

    /** A plain-text prompt; BOS first when {@code addSpecial} (vLLM's add_special_tokens, true for /v1/completions). */
    static int[] encodeText(Tokenizer tok, String text, boolean addSpecial) {
        int[] ids = tok.encode(text);
        if (!addSpecial) return ids;
        int[] out = new int[ids.length + 1];
        out[0] = tok.bosId();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** The token's text; bytes that are not complete UTF-8 on their own become U+FFFD. */
    static String tokenString(Tokenizer tok, int id) {
        byte[] b = tok.tokenBytes(id);
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            return d.decode(ByteBuffer.wrap(b)).toString();
        } catch (Exception e) {
            return "\uFFFD";
        }
    }
}
