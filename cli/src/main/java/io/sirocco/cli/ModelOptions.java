package io.sirocco.cli;

import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
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

    @Mixin
    KernelOptions kernels;

    Model load() {
        kernels.apply();
        Path path = model;
        if (path == null) {
            path = io.sirocco.model.DemoModel.ensure(io.sirocco.model.DemoModel.defaultDirectory());
            System.err.println("[demo model: random weights, byte-level Tekken vocabulary; output is noise] " + path);
        }
        return Model.load(path, tokenizer, mmproj);
    }

    /** {@link #load}, then the int8-decode copies started in the background (commands that generate). */
    Model loadForDecode() {
        Model m = load();
        m.repackForDecode();  // overlaps whatever precedes the first decode step: a prefill, a user typing, a server idle
        return m;
    }

    WorkerPool pool() {
        return new WorkerPool(threads != null ? threads : Runtime.getRuntime().availableProcessors());
    }
}
