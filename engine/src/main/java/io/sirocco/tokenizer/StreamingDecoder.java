package io.sirocco.tokenizer;

/** Incremental detokenizer: text comes out only when it forms complete UTF-8 characters. */
public interface StreamingDecoder {

    /** Feeds one token; returns the text that became complete (possibly empty, never null). */
    String push(int id);

    /** Ends the stream: returns what is left (incomplete bytes become U+FFFD). */
    String flush();
}
