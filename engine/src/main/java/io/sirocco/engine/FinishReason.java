package io.sirocco.engine;

/** Why a generation ended (OpenAI finish_reason values). */
public enum FinishReason {
    /** EOS or a stop token/string. */
    STOP,
    /** max_tokens or the context length reached. */
    LENGTH,
    /** The caller cancelled (client went away). */
    CANCELLED;

    public String openAi() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
