package io.sirocco.model;

import io.sirocco.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * A loaded model: its configuration, decoder, tokenizer and the mapped files behind them.
 * Closing it unmaps the weights; nothing may use the decoder afterwards.
 */
public final class Model implements AutoCloseable {
    private final Path source;
    private final String format;
    private final ModelConfig config;
    private final Decoder decoder;
    private final Tokenizer tokenizer;
    private final TensorSource tensors;

    Model(Path source, String format, ModelConfig config, Decoder decoder, Tokenizer tokenizer, TensorSource tensors) {
        this.source = source;
        this.format = format;
        this.config = config;
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.tensors = tensors;
    }

    /** Loads a GGUF file, a Mistral native directory (params.json) or a Hugging Face directory (config.json). */
    public static Model load(Path path) {
        return ModelLoader.load(path, null);
    }

    /** As {@link #load(Path)}, with the tokenizer taken from {@code tokenizerFile} (a tekken.json) instead of the model's. */
    public static Model load(Path path, Path tokenizerFile) {
        return ModelLoader.load(path, tokenizerFile);
    }

    public Path source() {
        return source;
    }

    /** "gguf", "mistral" (native) or "hf". */
    public String format() {
        return format;
    }

    public ModelConfig config() {
        return config;
    }

    public Decoder decoder() {
        return decoder;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Every tensor in the model's files (including ones the decoder does not use, e.g. a vision tower). */
    public java.util.List<io.sirocco.tensor.Tensor> tensors() {
        return tensors.all();
    }

    @Override
    public void close() {
        tensors.close();
    }
}
