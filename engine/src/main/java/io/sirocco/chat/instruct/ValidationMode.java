package io.sirocco.chat.instruct;

/** mistral-common's validation modes. */
public enum ValidationMode {
    /** Lenient on tool-call bookkeeping: unanswered calls and id-less calls pass (what tests and tokenizing use). */
    TEST,
    /** What a server must enforce: a model name, every call answered, every call with an id. */
    SERVING
}
