package io.sirocco.chat.instruct;

import io.sirocco.chat.ReasoningEffort;

/** v15 model settings encoded in [MODEL_SETTINGS]; all-null means "none" (nothing is encoded). */
public record ModelSettings(ReasoningEffort reasoningEffort) {
    public static final ModelSettings NONE = new ModelSettings(null);

    public boolean isNone() {
        return reasoningEffort == null;
    }
}
