package io.sirocco.cli;

import io.sirocco.chat.DefaultSystemPrompt;
import io.sirocco.chat.TokenizerVersion;
import io.sirocco.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import picocli.CommandLine.Option;

/** How chat requests become prompts: tokenizer version override and the default system prompt. */
final class ChatOptions {
    @Option(names = "--chat-template-version", paramLabel = "vN",
            description = "Encode chats as this tokenizer version (v3, v7, v11, v13, v15) instead of the tokenizer file's.")
    String version;

    @Option(names = "--system-prompt", paramLabel = "TEXT", description = "Default system prompt (replaces the model's SYSTEM_PROMPT.txt).")
    String systemPrompt;

    @Option(names = "--system-prompt-file", paramLabel = "FILE", description = "Default system prompt from a file ({name}, {today}, {yesterday} are filled in).")
    Path systemPromptFile;

    @Option(names = "--no-system-prompt", description = "Do not add the model's SYSTEM_PROMPT.txt.")
    boolean noSystemPrompt;

    @Option(names = "--timezone", paramLabel = "ZONE", description = "Zone for {today}/{yesterday} (default: the system zone).")
    String zone;

    ChatPrompts prompts(Model model) {
        TokenizerVersion v = version == null ? null : TokenizerVersion.parse(version);
        return new ChatPrompts(model.tokenizer(), v, systemPrompt(model));
    }

    DefaultSystemPrompt systemPrompt(Model model) {
        if (noSystemPrompt) return DefaultSystemPrompt.disabled();
        ZoneId z = zone == null ? ZoneId.systemDefault() : ZoneId.of(zone);
        String name = model.source().getFileName().toString();
        try {
            if (systemPrompt != null) return DefaultSystemPrompt.of(systemPrompt, name, java.time.Clock.system(z));
            if (systemPromptFile != null) return DefaultSystemPrompt.of(Files.readString(systemPromptFile), name, java.time.Clock.system(z));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + systemPromptFile + ": " + e.getMessage(), e);
        }
        Path dir = Files.isDirectory(model.source()) ? model.source() : model.source().getParent();
        return DefaultSystemPrompt.fromModelDirectory(dir, name, z);
    }
}
