package io.sirocco.server;

import io.sirocco.chat.ChatRequest;
import io.sirocco.sample.LogitsProcessor;
import io.sirocco.tokenizer.Tokenizer;

/**
 * Constrained decoding for a chat request (Mistral's grammar, spec §4.7): tools, tool_choice, parallel_tool_calls and
 * response_format → a token mask. Called once per choice (processors are stateful).
 */
@FunctionalInterface
public interface StructuredOutputs {
    /** The processor for one choice, or null when the request needs no constraint. */
    LogitsProcessor processor(ChatRequest request, Tokenizer tokenizer);
}
