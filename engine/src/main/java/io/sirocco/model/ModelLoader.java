package io.sirocco.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.format.ModelFormatException;
import io.sirocco.format.gguf.GgufFile;
import io.sirocco.format.safetensors.SafeTensors;
import io.sirocco.tensor.Tensor;
import io.sirocco.tokenizer.Tokenizer;
import io.sirocco.tokenizer.Tokenizers;
import io.sirocco.vision.PixtralEncoder;
import io.sirocco.vision.VisionLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/** Recognises a model's format, reads its config and tokenizer, and maps its weights; all or nothing. */
final class ModelLoader {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param tokenizerFile a tekken.json to use instead of the model's own tokenizer, or null
     * @param mmproj        an mmproj GGUF with the vision encoder (instead of the model's own), or null
     */
    static Model load(Path path, Path tokenizerFile, Path mmproj) {
        Model m = new ModelLoader(tokenizerFile).load(path);
        m = mmproj == null ? m : withMmproj(m, mmproj);
        warnIfLargerThanMemory(m);
        return m;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelLoader.class);

    /** Every model: mapped weights larger than RAM run from the page cache (see {@link MemoryCheck}). */
    private static void warnIfLargerThanMemory(Model m) {
        long bytes = MemoryCheck.weightBytes(m.tensors());
        io.sirocco.tensor.PhysicalMemory.read().flatMap(mem -> MemoryCheck.warning(bytes, mem)).ifPresent(w -> LOG.warn("{}: {}", m.source(), w));
    }

    private final Path tokenizerFile;

    private ModelLoader(Path tokenizerFile) {
        this.tokenizerFile = tokenizerFile;
    }

    private static Model withMmproj(Model m, Path mmproj) {
        try {
            if (!Files.isRegularFile(mmproj)) throw new ModelFormatException(mmproj, "no such mmproj file");
            GgufFile gguf = GgufFile.open(mmproj);
            try {
                TensorSource src = new GgufSource(gguf);
                PixtralEncoder vision = VisionLoader.mmprojEncoder(gguf, src, m.config().dim());
                return new Model(m.source(), m.format(), m.config(), m.decoder(), m.tokenizer(), m.tensorSource(), vision, src);
            } catch (RuntimeException e) {
                gguf.close();
                throw e;
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private Model load(Path path) {
        if (!Files.exists(path)) throw new ModelFormatException(path, "no such file or directory");
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve("params.json"))) return loadNative(path);
            if (Files.exists(path.resolve("config.json"))) return loadHf(path);
            Optional<Path> gguf = single(path, ".gguf");
            if (gguf.isPresent()) return loadGguf(gguf.get());
            throw new ModelFormatException(path, "not a model directory: no params.json (Mistral native), config.json (Hugging Face) or .gguf file");
        }
        if (path.getFileName().toString().endsWith(".safetensors"))
            throw new ModelFormatException(path, "give the model directory (with params.json or config.json), not a single .safetensors file");
        return loadGguf(path);
    }

    private Model loadGguf(Path file) {
        GgufFile gguf = GgufFile.open(file);
        try {
            ModelConfig config;
            try {
                config = ModelConfigs.fromGguf(gguf.metadata());
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, e.getMessage(), e);
            }
            Tokenizer tok = tokenizerFile != null ? Tokenizers.fromTekkenJson(tokenizerFile) : Tokenizers.fromGgufMetadata(gguf.metadata());
            if (config.vocabSize() <= 1) config = config.withVocabSize(tok.vocabSize());
            TensorSource src = new GgufSource(gguf);
            Decoder dec = config.architecture() == Architecture.MISTRAL4
                    ? new Mistral4Decoder(config, new Mistral4Loader(src, Mistral4Loader.Layout.GGUF, config).load())
                    : new MistralDecoder(config, new DecoderLoader(src, WeightNames.GGUF, config).load());
            return new Model(file, "gguf", config, dec, tok, src, null, null);
        } catch (RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    private Model loadNative(Path dir) {
        ModelConfig config = config(dir.resolve("params.json"), true);
        JsonNode params = json(dir.resolve("params.json"));
        return loadSafetensors(dir, "mistral", config, WeightNames.NATIVE, nativeWeights(dir),
                src -> VisionLoader.nativeEncoder(params, src, config.dim()).orElse(null));
    }

    private Model loadHf(Path dir) {
        ModelConfig config = config(dir.resolve("config.json"), false);
        Path index = dir.resolve("model.safetensors.index.json");
        Path weights = Files.exists(index) ? index : single(dir, ".safetensors")
                .orElseThrow(() -> new ModelFormatException(dir, "no model.safetensors or model.safetensors.index.json"));
        JsonNode json = json(dir.resolve("config.json"));
        return loadSafetensors(dir, "hf", config, WeightNames.HF, weights, src -> VisionLoader.hfEncoder(json, src).orElse(null));
    }

    private static Path nativeWeights(Path dir) {
        for (String n : List.of("consolidated.safetensors", "consolidated.safetensors.index.json")) {
            if (Files.exists(dir.resolve(n))) return dir.resolve(n);
        }
        throw new ModelFormatException(dir, "Mistral native model without consolidated.safetensors");
    }

    /** @param vision the directory's vision encoder found in the same tensors, or null */
    private Model loadSafetensors(Path dir, String format, ModelConfig config, WeightNames names, Path weights,
                                  Function<TensorSource, PixtralEncoder> vision) {
        Tokenizer tok = tokenizerOf(dir);
        SafeTensors st = SafeTensors.open(weights);
        try {
            TensorSource src = new SafeTensorsSource(st, weights);
            Decoder dec;
            if (config.architecture() != Architecture.MISTRAL4) dec = new MistralDecoder(config, new DecoderLoader(src, names, config).load());
            else dec = new Mistral4Decoder(config, new Mistral4Loader(src,
                    names == WeightNames.NATIVE ? Mistral4Loader.Layout.NATIVE : Mistral4Loader.Layout.HF, config).load());
            return new Model(dir, format, config, dec, tok, src, vision.apply(src), null);
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
    }

    /** The directory's tekken.json; a HF directory without one (e.g. tokenizer.json only) gets a clear error at first use. */
    private Tokenizer tokenizerOf(Path dir) {
        return tokenizerFile != null ? Tokenizers.fromTekkenJson(tokenizerFile) : Tokenizers.forModelDirectory(dir);
    }

    private static ModelConfig config(Path file, boolean nativeParams) {
        JsonNode json = json(file);
        try {
            return nativeParams ? ModelConfigs.fromParams(json) : ModelConfigs.fromHfConfig(json);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage(), e);
        }
    }

    private static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelFormatException(file, "unreadable JSON: " + e.getMessage(), e);
        }
    }

    private static Optional<Path> single(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> found = s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
            if (found.size() > 1 && suffix.equals(".gguf"))
                throw new ModelFormatException(dir, "several .gguf files; name one: " + found);
            return found.stream().findFirst();
        } catch (IOException e) {
            throw new ModelFormatException(dir, "cannot list directory: " + e.getMessage(), e);
        }
    }

    private record GgufSource(GgufFile file) implements TensorSource {
        public Optional<Tensor> find(String name) {
            return file.tensor(name);
        }

        public List<Tensor> all() {
            return file.tensors();
        }

        public Path origin() {
            return file.path();
        }

        public void close() {
            file.close();
        }
    }

    private record SafeTensorsSource(SafeTensors st, Path origin) implements TensorSource {
        public Optional<Tensor> find(String name) {
            return st.tensor(name);
        }

        public List<Tensor> all() {
            return st.tensors();
        }

        public void close() {
            st.close();
        }
    }
}
