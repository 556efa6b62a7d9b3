package io.sirocco.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.chat.ChatRequest;
import io.sirocco.chat.ChatRequests;
import io.sirocco.chat.DefaultSystemPrompt;
import io.sirocco.chat.TokenizerVersion;
import io.sirocco.chat.instruct.EncodedPrompt;
import io.sirocco.chat.instruct.InstructEncoder;
import io.sirocco.tokenizer.Tokenizer;

/** OpenAI-style chat JSON → validated request → default system prompt → tokens, as the CLI uses it. */
final class ChatPrompts {
    private final InstructEncoder encoder;
    private final DefaultSystemPrompt systemPrompt;

    ChatPrompts(Tokenizer tok, TokenizerVersion version, DefaultSystemPrompt systemPrompt) {
        this.encoder = version == null ? InstructEncoder.forTokenizer(tok) : InstructEncoder.forVersion(version, tok);
        this.systemPrompt = systemPrompt;
    }

    EncodedPrompt encode(JsonNode openAiRequest) {
        ChatRequest r = systemPrompt.applyTo(ChatRequests.fromOpenAi(openAiRequest));
        return encoder.encode(r);
    }

    EncodedPrompt encode(ChatRequest request) {
        return encoder.encode(systemPrompt.applyTo(request));
    }
}
