package io.sirocco.cli;

import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.kernel.Kernels;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The model argument and options every command that loads a model shares. */
final class ModelOptions {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
            description = "A .gguf file, or a directory with params.json (Mistral native) or config.json (Hugging Face). "
                    + "Omitted: the built-in demo model (random weights).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "Use this tekken.json instead of the model's own tokenizer.")
    Path tokenizer;

    @Option(names = "--mmproj", paramLabel = "FILE", description = "Vision encoder from a GGUF mmproj file (projector type pixtral), as llama.cpp's --mmproj.")
    Path mmproj;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: available processors).")
    Integer threads;

    @Option(names = "--int8-prefill", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Prefill Q4_0/Q4_K matrices with int8 activations, as llama.cpp does (~1.5x faster prompt processing; "
                    + "logits move by ~1e-2). --no-int8-prefill keeps f32 activations (default: on).")
    boolean int8Prefill = true;

    @Option(names = "--int8-decode", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Decode Q4_0/Q8_0/Q4_K/Q6_K matrices with int8 activations over a copy of each repacked with rows in vector "
                    + "lanes on first use, as llama.cpp does (~2x faster generation; takes memory equal to those matrices; "
                    + "logits move by ~1e-2). --no-int8-decode keeps f32 activations and the mapped file only (default: on).")
    boolean int8Decode = true;

    Model load() {
        Kernels.setInt8Prefill(int8Prefill);
        Kernels.setInt8Decode(int8Decode);
        Path path = model;
        if (path == null) {
            path = io.sirocco.model.DemoModel.ensure(io.sirocco.model.DemoModel.defaultDirectory());
            System.err.println("[demo model: random weights, byte-level Tekken vocabulary; output is noise] " + path);
        }
        return Model.load(path, tokenizer, mmproj);
    }

    WorkerPool pool() {
        return new WorkerPool(threads != null ? threads : Runtime.getRuntime().availableProcessors());
    }
}
