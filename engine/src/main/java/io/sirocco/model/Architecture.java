package io.sirocco.model;

/** Decoder families Sirocco runs. */
public enum Architecture {
    /** Llama / Mistral dense decoder (Mistral 7B-style, Mistral Small 3.x text, stories260K). */
    LLAMA,
    /** Mistral Small 4: multi-head latent attention + mixture of experts. */
    MISTRAL4
}
