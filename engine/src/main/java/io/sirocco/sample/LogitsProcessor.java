package io.sirocco.sample;

/**
 * A per-sequence, stateful adjustment of the next-token logits, applied before sampling: the structured-output grammar
 * (JSON schema, forced tool calls) masks tokens that cannot continue a valid output.
 */
public interface LogitsProcessor {

    /** Adjusts logits[offset..offset+vocab) for the next token (e.g. sets forbidden ones to -inf). */
    void process(float[] logits, int offset, int vocab);

    /** The token that was chosen; advances the processor's state. */
    void accept(int tokenId);
}
