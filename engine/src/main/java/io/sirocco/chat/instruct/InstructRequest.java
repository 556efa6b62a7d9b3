package io.sirocco.chat.instruct;

import io.sirocco.chat.Message;
import io.sirocco.chat.Tool;
import java.util.List;

/**
 * A normalised conversation, ready to encode (mistral-common's {@code InstructRequest}): same-role neighbours merged,
 * tool results in call order, arguments in canonical JSON.
 *
 * @param systemPrompt v3 only: all system messages joined (v7+ keep system messages in place)
 */
public record InstructRequest(List<Message> messages, String systemPrompt, List<Tool> tools,
                              boolean continueFinalMessage, ModelSettings settings) {
    public InstructRequest {
        messages = List.copyOf(messages);
        if (settings == null) settings = ModelSettings.NONE;
    }
}
