package io.sirocco.model;

import io.sirocco.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Where a loader finds tensors by name: one GGUF file, or one or more safetensors files. */
public interface TensorSource extends AutoCloseable {

    Optional<Tensor> find(String name);

    List<Tensor> all();

    /** The file (or directory) named in error messages. */
    Path origin();

    @Override
    void close();
}
