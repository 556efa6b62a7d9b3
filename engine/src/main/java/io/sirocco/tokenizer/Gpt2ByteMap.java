package io.sirocco.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte ↔ character spelling used by "gpt2" GGUF vocabularies: printable Latin-1 bytes stand for themselves,
 * the other 68 bytes (controls, space, DEL, NBSP, soft hyphen …) for U+0100 + k in byte order ({@code Ġ} = space).
 */
final class Gpt2ByteMap {
    private Gpt2ByteMap() {}

    private static final int[] CHAR_TO_BYTE = new int[512];
    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            CHAR_TO_BYTE[c] = b;
            BYTE_TO_CHAR[b] = c;
        }
    }

    /** The GPT-2 spelling of raw bytes (what GGUF "gpt2" vocabularies store). */
    static String spell(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) sb.append(BYTE_TO_CHAR[b & 0xff]);
        return sb.toString();
    }

    /** The raw bytes a GPT-2-spelled token stands for, or null if it contains a character outside the map. */
    static byte[] decode(String spelled) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(spelled.length());
        for (int i = 0; i < spelled.length(); i++) {
            char c = spelled.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) return null;
            out.write(b);
        }
        return out.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
