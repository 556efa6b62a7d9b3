package io.sirocco.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultSystemPromptTest {
    // 2025-06-11 23:30 UTC is already 2025-06-12 in Paris.
    static final Instant NOW = Instant.parse("2025-06-11T23:30:00Z");

    @Test
    void fillsNameTodayYesterdayInTheChosenZone(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("SYSTEM_PROMPT.txt"), "You are {name}. Today is {today}; yesterday was {yesterday}. {other}");
        DefaultSystemPrompt p = DefaultSystemPrompt.of(DefaultSystemPrompt.load(dir).orElseThrow(), "Mistral-Small-3.2-24B-Instruct-2506",
                Clock.fixed(NOW, ZoneId.of("Europe/Paris")));
        assertThat(p.render()).contains("You are Mistral-Small-3.2-24B-Instruct-2506. Today is 2025-06-12; yesterday was 2025-06-11. {other}");
        DefaultSystemPrompt utc = DefaultSystemPrompt.of("{today}", "m", Clock.fixed(NOW, ZoneId.of("UTC")));
        assertThat(utc.render()).contains("2025-06-11");
    }

    @Test
    void isPrependedOnlyWhenTheRequestHasNoSystemMessage() {
        DefaultSystemPrompt p = DefaultSystemPrompt.of("S", "m", Clock.fixed(NOW, ZoneId.of("UTC")));
        ChatRequest plain = ChatRequest.of(List.of(new Message.User("hi")));
        assertThat(p.applyTo(plain).messages()).containsExactly(new Message.System("S"), new Message.User("hi"));
        ChatRequest own = ChatRequest.of(List.of(new Message.System("mine"), new Message.User("hi")));
        assertThat(p.applyTo(own)).isEqualTo(own);
    }

    @Test
    void missingFileOrDisabledMeansNoPrompt(@TempDir Path dir) {
        assertThat(DefaultSystemPrompt.fromModelDirectory(dir, "m", ZoneId.of("UTC")).isEnabled()).isFalse();
        ChatRequest r = ChatRequest.of(List.of(new Message.User("hi")));
        assertThat(DefaultSystemPrompt.disabled().applyTo(r)).isEqualTo(r);
    }
}
