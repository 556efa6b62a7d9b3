package io.sirocco.chat;

import java.util.Locale;

/** mistral-common's {@code ReasoningEffort} (v15 model settings). */
public enum ReasoningEffort {
    NONE, HIGH;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ReasoningEffort fromWire(String s) {
        for (ReasoningEffort e : values()) if (e.wire().equals(s)) return e;
        throw new IllegalArgumentException("reasoning_effort should be 'none' or 'high', got '" + s + "'");
    }
}
