package io.sirocco.model;

import io.sirocco.tensor.PhysicalMemory;
import io.sirocco.tensor.kernel.BackgroundRepack;
import io.sirocco.tensor.kernel.Kernels;
import io.sirocco.tokenizer.Tokenizer;
import io.sirocco.vision.NoVisionEncoderException;
import io.sirocco.vision.PixtralEncoder;
import java.nio.file.Path;
import java.util.Optional;

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
    private final PixtralEncoder vision;        // null: text only
    private final TensorSource visionTensors;   // a separate mmproj file, or null
    private BackgroundRepack repack = BackgroundRepack.NONE;

    Model(Path source, String format, ModelConfig config, Decoder decoder, Tokenizer tokenizer, TensorSource tensors,
          PixtralEncoder vision, TensorSource visionTensors) {
        this.source = source;
        this.format = format;
        this.config = config;
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.tensors = tensors;
        this.vision = vision;
        this.visionTensors = visionTensors;
    }

    /** Loads a GGUF file, a Mistral native directory (params.json) or a Hugging Face directory (config.json). */
    public static Model load(Path path) {
        return ModelLoader.load(path, null, null);
    }

    /** As {@link #load(Path)}, with the tokenizer taken from {@code tokenizerFile} (a tekken.json) instead of the model's. */
    public static Model load(Path path, Path tokenizerFile) {
        return ModelLoader.load(path, tokenizerFile, null);
    }

    /**
     * As {@link #load(Path, Path)} ({@code tokenizerFile} may be null), with the vision encoder taken from an mmproj
     * GGUF (projector type pixtral, llama.cpp's {@code --mmproj}); {@code mmproj} null: the model's own, if any.
     */
    public static Model load(Path path, Path tokenizerFile, Path mmproj) {
        return ModelLoader.load(path, tokenizerFile, mmproj);
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

    /** The vision encoder: from the native/HF directory's vision weights or an mmproj file; empty for a text-only model. */
    public Optional<PixtralEncoder> vision() {
        return Optional.ofNullable(vision);
    }

    /** The vision encoder, or a clear error for a request with images on a text-only model (never drop images silently). */
    public PixtralEncoder requireVision() {
        if (vision == null) throw new NoVisionEncoderException(source);
        return vision;
    }

    /** Every tensor in the model's files (including ones the decoder does not use, e.g. a vision tower). */
    public java.util.List<io.sirocco.tensor.Tensor> tensors() {
        return tensors.all();
    }

    /**
     * Starts building the decode copies of the decoder's matrices on a background thread
     * ({@link BackgroundRepack}; nothing when int8 decode is off), so that the first decode step does not repack
     * them all itself. Outputs do not change. Calling it again returns the same job.
     */
    public synchronized BackgroundRepack repackForDecode() {
        if (repack == BackgroundRepack.NONE) {
            // Prefill still reads the mapped weights: copies past what RAM holds beside them would have the page cache
            // evict the file and every prompt re-read it from disk.
            long weights = tensors.all().stream().mapToLong(t -> t.data().byteSize()).sum();
            PhysicalMemory.read().ifPresent(mem ->
                    Kernels.setDecodeCopyBudget(Math.max(0, mem.total() - Math.max(2L << 30, mem.total() / 10) - weights)));
            repack = BackgroundRepack.start(decoder.decodeMatrices());
        }
        return repack;
    }

    TensorSource tensorSource() {
        return tensors;
    }

    @Override
    public void close() {
        synchronized (this) {
            repack.close();  // the job reads the mappings closed below
        }
        try {
            tensors.close();
        } finally {
            if (visionTensors != null) visionTensors.close();
        }
    }
}
