package io.sirocco.chat;

import java.util.Locale;

/** Instruct format versions (mistral-common {@code TokenizerVersion}) that Sirocco encodes. */
public enum TokenizerVersion {
    /** Tekken v3 (Mistral NeMo, Pixtral 12B): system prompt folded into the last user turn, JSON tool calls. */
    V3,
    /** v7 (Small 3.1): [SYSTEM_PROMPT] blocks, [TOOL_CONTENT]. */
    V7,
    /** v11 (Small 3.2): [TOOL_CALLS]name[CALL_ID]id[ARGS]json. */
    V11,
    /** v13 (Devstral/Magistral 2507): tools before the first user turn, no call ids, [THINK]. */
    V13,
    /** v15 (Small 4): v13 + [MODEL_SETTINGS]. */
    V15;

    public int number() {
        return Integer.parseInt(name().substring(1));
    }

    public boolean atLeast(TokenizerVersion other) {
        return compareTo(other) >= 0;
    }

    /** Parses "v11" / "V11" / "11". */
    public static TokenizerVersion parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        if (n.startsWith("v")) n = n.substring(1);
        for (TokenizerVersion v : values()) if (String.valueOf(v.number()).equals(n)) return v;
        throw new IllegalArgumentException("unsupported tokenizer version '" + s + "' (supported: v3, v7, v11, v13, v15)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
