package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Sampling values used when a request leaves them out (priority: request, then these, then the OpenAI defaults),
 * as vLLM does with the model's {@code generation_config.json}. A null field means "no default here".
 *
 * @param maxTokens generation_config's {@code max_new_tokens}: the cap when a request gives no max_tokens
 */
public record SamplingDefaults(Double temperature, Double topP, Integer topK, Double minP, Double repetitionPenalty, Integer maxTokens) {

    public static final SamplingDefaults NONE = new SamplingDefaults(null, null, null, null, null, null);

    /** Mistral's recommendation for Small 3.x when the model ships no generation_config.json (model card: temperature 0.15). */
    public static final SamplingDefaults MISTRAL_SMALL = new SamplingDefaults(0.15, null, null, null, null, null);

    /** Reads the fields vLLM takes from generation_config.json (temperature, top_p, top_k, min_p, repetition_penalty, max_new_tokens). */
    public static SamplingDefaults fromGenerationConfig(Path file) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (n == null || !n.isObject()) throw new IllegalArgumentException(file + " is not a JSON object");
        return new SamplingDefaults(dbl(n, "temperature"), dbl(n, "top_p"), integer(n, "top_k"), dbl(n, "min_p"),
                dbl(n, "repetition_penalty"), integer(n, "max_new_tokens"));
    }

    /**
     * The defaults for a model at {@code modelPath}: its generation_config.json (in the directory, or beside a single
     * file such as a GGUF) when present, otherwise {@link #MISTRAL_SMALL}.
     */
    public static SamplingDefaults forModel(Path modelPath) {
        return find(modelPath).map(SamplingDefaults::fromGenerationConfig).orElse(MISTRAL_SMALL);
    }

    static Optional<Path> find(Path modelPath) {
        if (modelPath == null) return Optional.empty();
        Path dir = Files.isDirectory(modelPath) ? modelPath : modelPath.toAbsolutePath().getParent();
        if (dir == null) return Optional.empty();
        Path f = dir.resolve("generation_config.json");
        return Files.isRegularFile(f) ? Optional.of(f) : Optional.empty();
    }

    private static Double dbl(JsonNode n, String k) {
        JsonNode v = n.get(k);
        return v != null && v.isNumber() ? v.doubleValue() : null;
    }

    private static Integer integer(JsonNode n, String k) {
        JsonNode v = n.get(k);
        return v != null && v.isNumber() ? v.intValue() : null;
    }
}
