package io.sirocco.tokenizer;

import io.sirocco.format.ModelFormatException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Where tokenizers come from: a tekken.json, a model directory, or GGUF metadata. */
public final class Tokenizers {
    private Tokenizers() {}

    public static TekkenTokenizer fromTekkenJson(Path file) {
        if (!Files.isRegularFile(file)) throw new ModelFormatException(file, "tokenizer file not found");
        return TekkenTokenizer.load(file);
    }

    /** The {@code tekken.json} of a native (consolidated.safetensors) or Hugging Face model directory. */
    public static TekkenTokenizer forModelDirectory(Path dir) {
        Path tekken = dir.resolve("tekken.json");
        if (Files.isRegularFile(tekken)) return TekkenTokenizer.load(tekken);
        String hint = Files.exists(dir.resolve("tokenizer.json"))
                ? " (Hugging Face tokenizer.json is not supported: put the model's tekken.json next to it)"
                : "";
        throw new ModelFormatException(dir, "no tekken.json in the model directory" + hint);
    }

    /**
     * A tokenizer from GGUF metadata ({@code GgufFile.metadata()}): {@code tokenizer.ggml.model} "gpt2" (byte-level
     * BPE with merges) or "llama" (SentencePiece-style with scores). Missing or malformed keys, or an unsupported
     * model/pre-tokenizer, give an {@link IllegalArgumentException} naming the key.
     */
    public static Tokenizer fromGgufMetadata(Map<String, Object> metadata) {
        GgufTokenizerKeys keys = new GgufTokenizerKeys(metadata);
        String model = keys.string(GgufTokenizerKeys.MODEL);
        return switch (model) {
            case "gpt2" -> new Gpt2BpeTokenizer(keys);
            case "llama" -> new SentencePieceTokenizer(keys);
            default -> throw new IllegalArgumentException("unsupported " + GgufTokenizerKeys.MODEL + " '" + model
                    + "' (supported: gpt2, llama)");
        };
    }
}
