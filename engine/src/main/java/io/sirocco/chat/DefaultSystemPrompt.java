package io.sirocco.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The system prompt a server adds when a request brings none (spec §4.8): a model directory's
 * {@code SYSTEM_PROMPT.txt} with {@code {name}}, {@code {today}} and {@code {yesterday}} filled in (dates as
 * {@code yyyy-MM-dd} in a chosen zone, evaluated per request), a replacement text, or nothing. mistral-common and vLLM
 * never inject it; the model card's client code does, so a server doing it for clients matches the card's usage.
 */
public final class DefaultSystemPrompt {
    public static final String FILE_NAME = "SYSTEM_PROMPT.txt";

    private final String template; // null: disabled
    private final String name;
    private final Clock clock;

    private DefaultSystemPrompt(String template, String name, Clock clock) {
        this.template = template;
        this.name = name;
        this.clock = clock;
    }

    /** No default prompt. */
    public static DefaultSystemPrompt disabled() {
        return new DefaultSystemPrompt(null, "", Clock.systemDefaultZone());
    }

    /** A fixed text (placeholders are filled the same way). */
    public static DefaultSystemPrompt of(String template, String modelName, Clock clock) {
        return new DefaultSystemPrompt(template, modelName, clock);
    }

    /**
     * The model directory's SYSTEM_PROMPT.txt, or {@link #disabled()} when there is none.
     *
     * @param modelName fills {name}; the model card uses the repository name, e.g. Mistral-Small-3.2-24B-Instruct-2506
     * @param zone      the zone {today} and {yesterday} are computed in
     */
    public static DefaultSystemPrompt fromModelDirectory(Path modelDir, String modelName, ZoneId zone) {
        return load(modelDir).map(t -> of(t, modelName, Clock.system(zone))).orElseGet(DefaultSystemPrompt::disabled);
    }

    /** The raw template of a model directory, if it has one. */
    public static Optional<String> load(Path modelDir) {
        Path f = modelDir.resolve(FILE_NAME);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            return Optional.of(Files.readString(f, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    public boolean isEnabled() {
        return template != null;
    }

    /** The prompt for today, or empty when disabled. */
    public Optional<String> render() {
        if (template == null) return Optional.empty();
        return Optional.of(render(template, name, LocalDate.now(clock)));
    }

    /** Fills the three placeholders; other braces are left alone (unlike Python's str.format, which would fail). */
    public static String render(String template, String name, LocalDate today) {
        return template.replace("{name}", name)
                .replace("{today}", today.toString())
                .replace("{yesterday}", today.minusDays(1).toString());
    }

    /** The request with the default prompt as its first message, unless it already has a system message. */
    public ChatRequest applyTo(ChatRequest request) {
        Optional<String> prompt = render();
        if (prompt.isEmpty() || request.messages().stream().anyMatch(m -> m instanceof Message.System)) return request;
        List<Message> messages = new ArrayList<>(request.messages().size() + 1);
        messages.add(new Message.System(prompt.get()));
        messages.addAll(request.messages());
        return request.withMessages(messages);
    }
}
