package io.sirocco.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Holds back the bytes of a UTF-8 character until its last byte arrives (a byte-fallback emoji comes as 4 tokens).
 * Bytes that can never complete a character are released at once and come out as U+FFFD, like in batch decoding.
 */
final class Utf8StreamingDecoder implements StreamingDecoder {
    private final AbstractTokenizer tokenizer;
    private final SpecialTokenPolicy policy;
    private byte[] pending = new byte[16];
    private int length;
    private boolean atStart = true;

    Utf8StreamingDecoder(AbstractTokenizer tokenizer, SpecialTokenPolicy policy) {
        this.tokenizer = tokenizer;
        this.policy = policy;
    }

    @Override
    public String push(int id) {
        tokenizer.checkId(id);
        byte[] b = tokenizer.tokenBytes(id);
        if (tokenizer.isSpecial(id)) {
            if (policy != SpecialTokenPolicy.KEEP) return "";
            append(b, 0);
        } else {
            append(b, atStart && tokenizer.stripsLeadingSpace() && b.length > 0 && b[0] == ' ' ? 1 : 0);
            atStart = false;
        }
        int complete = completePrefix(pending, length);
        if (complete == 0) return "";
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, length - complete);
        length -= complete;
        return text;
    }

    @Override
    public String flush() {
        String text = new String(pending, 0, length, StandardCharsets.UTF_8);
        length = 0;
        return text;
    }

    private void append(byte[] b, int from) {
        int n = b.length - from;
        if (length + n > pending.length) pending = Arrays.copyOf(pending, Math.max(pending.length * 2, length + n));
        System.arraycopy(b, from, pending, length, n);
        length += n;
    }

    /** Length of the longest prefix that does not end inside a character that could still be completed. */
    static int completePrefix(byte[] b, int length) {
        // Find the last lead byte among the final (at most 4) bytes.
        for (int i = length - 1; i >= 0 && i >= length - 4; i--) {
            int v = b[i] & 0xff;
            if ((v & 0xC0) == 0x80) continue; // continuation byte: keep looking back
            int need = v < 0x80 ? 1 : (v & 0xE0) == 0xC0 ? 2 : (v & 0xF0) == 0xE0 ? 3 : (v & 0xF8) == 0xF0 ? 4 : 1;
            return length - i < need ? i : length;
        }
        return length; // only stray continuation bytes: they cannot become valid, release them
    }
}
