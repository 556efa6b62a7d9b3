package io.sirocco.sample.grammar;

/**
 * mistral-common's tool choice modes: AUTO (text, or text then calls), NONE (text only), ANY (calls only, no text),
 * REQUIRED (optional text, then calls), NAMED (like REQUIRED with only the named tool).
 */
public enum ToolChoiceMode {
    AUTO, NONE, ANY, REQUIRED, NAMED
}
