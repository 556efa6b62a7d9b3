package io.sirocco.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * A chat completion request as the chat protocol sees it: the conversation, the tools and what steers the prompt.
 * Sampling fields are carried along (checked for range) but never change the tokens.
 *
 * @param model                 the requested model name (required in serving mode), or null
 * @param tools                 null or the available tools
 * @param continueFinalMessage  vLLM's flag: the last (assistant) message is continued, no EOS
 * @param reasoningEffort       null or the v15 reasoning effort
 * @param responseFormat        null or the raw {@code response_format} object
 */
public record ChatRequest(
        String model,
        List<Message> messages,
        List<Tool> tools,
        ToolChoice toolChoice,
        boolean parallelToolCalls,
        boolean continueFinalMessage,
        ReasoningEffort reasoningEffort,
        JsonNode responseFormat,
        Double temperature,
        Double topP,
        Integer maxTokens,
        Long seed) {

    public ChatRequest {
        messages = List.copyOf(messages);
        if (tools != null) tools = List.copyOf(tools);
        if (toolChoice == null) toolChoice = ToolChoice.AUTO;
    }

    public static ChatRequest of(List<Message> messages) {
        return new ChatRequest(null, messages, null, ToolChoice.AUTO, true, false, null, null, null, null, null, null);
    }

    public static ChatRequest of(List<Message> messages, List<Tool> tools) {
        return new ChatRequest(null, messages, tools, ToolChoice.AUTO, true, false, null, null, null, null, null, null);
    }

    public ChatRequest withMessages(List<Message> newMessages) {
        return new ChatRequest(model, newMessages, tools, toolChoice, parallelToolCalls, continueFinalMessage,
                reasoningEffort, responseFormat, temperature, topP, maxTokens, seed);
    }

    public ChatRequest withReasoningEffort(ReasoningEffort effort) {
        return new ChatRequest(model, messages, tools, toolChoice, parallelToolCalls, continueFinalMessage,
                effort, responseFormat, temperature, topP, maxTokens, seed);
    }

    public ChatRequest withContinueFinalMessage(boolean value) {
        return new ChatRequest(model, messages, tools, toolChoice, parallelToolCalls, value,
                reasoningEffort, responseFormat, temperature, topP, maxTokens, seed);
    }

    public ChatRequest withModel(String name) {
        return new ChatRequest(name, messages, tools, toolChoice, parallelToolCalls, continueFinalMessage,
                reasoningEffort, responseFormat, temperature, topP, maxTokens, seed);
    }
}
