package io.sirocco.tokenizer;

/** What decoding does with special (control) tokens. */
public enum SpecialTokenPolicy {
    /** Leave them out of the text. */
    IGNORE,
    /** Write their names ({@code [INST]}, {@code </s>}) into the text. */
    KEEP
}
