package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sirocco.format.ModelFormatException;
import io.sirocco.format.gguf.GgufFile;
import io.sirocco.format.gguf.GgufWriter;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import io.sirocco.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model that cannot be used is refused with the file and the problem named, and nothing stays open. */
class ModelLoadErrorsTest {
    static final String TINY = "mistral-tiny/gguf/synth-mistral-small-3.2-tiny-mistral3-BF16.gguf";

    @TempDir
    Path dir;

    /** Copies the tiny GGUF, dropping tensors that match {@code drop} and replacing others through {@code edit}. */
    private Path variant(Predicate<String> drop, UnaryOperator<Tensor> edit) {
        Path out = dir.resolve("variant.gguf");
        try (GgufFile src = GgufFile.open(TestData.file(TINY))) {
            GgufWriter w = new GgufWriter().copyMetadata(src);
            for (Tensor t : src.tensors()) if (!drop.test(t.name())) w.addTensor(edit.apply(t));
            w.write(out);
        }
        return out;
    }

    @Test
    void missingTensorIsNamed() {
        Path f = variant(n -> n.equals("blk.1.ffn_up.weight"), t -> t);
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("missing tensor blk.1.ffn_up.weight");
    }

    @Test
    void shapeMismatchIsNamed() {
        Path f = variant(n -> false, t -> t.name().equals("blk.0.attn_k.weight")
                ? new Tensor(t.name(), t.type(), new long[] {32, 64}, t.data().asSlice(0, 32L * 64 * 2)) : t);
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("blk.0.attn_k.weight has shape [32, 64], expected [64, 64]");
    }

    @Test
    void unsupportedTensorTypeIsNamed() {
        // Relabel a BF16 matrix as I16 (same byte size): readable, but not a weight type Sirocco computes with.
        Path f = variant(n -> false, t -> t.name().equals("blk.0.attn_q.weight") ? new Tensor(t.name(), GgmlType.I16, t.shape(), t.data()) : t);
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("blk.0.attn_q.weight has type I16").hasMessageContaining("does not support");
    }

    @Test
    void truncatedAndMissingFilesAreRefused() throws Exception {
        Path full = TestData.file(TINY);
        Path cut = dir.resolve("cut.gguf");
        byte[] bytes = Files.readAllBytes(full);
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> Model.load(cut)).isInstanceOf(ModelFormatException.class).hasMessageContaining(cut.toString());
        assertThatThrownBy(() -> Model.load(dir.resolve("nope.gguf"))).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no such file");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> Model.load(empty)).isInstanceOf(ModelFormatException.class).hasMessageContaining("not a model directory");
    }

    @Test
    void badParamsJsonIsNamed() throws Exception {
        Path m = dir.resolve("native");
        Files.createDirectories(m);
        Files.writeString(m.resolve("params.json"), "{\"dim\": 64, \"n_layers\": 2}");
        assertThatThrownBy(() -> Model.load(m)).isInstanceOf(ModelFormatException.class).hasMessageContaining("params.json")
                .hasMessageContaining("lacks the field 'n_heads'");
        Files.writeString(m.resolve("params.json"), "{not json");
        assertThatThrownBy(() -> Model.load(m)).isInstanceOf(ModelFormatException.class).hasMessageContaining("unreadable JSON");
    }

    @Test
    void aFailedLoadLeavesNothingMapped() {
        Path f = variant(n -> n.equals("output_norm.weight"), t -> t);
        assertThatThrownBy(() -> Model.load(f)).isInstanceOf(ModelFormatException.class);
        // The file is closed again: it can be deleted and rewritten at once (the mapping was released).
        assertThat(f.toFile().delete()).isTrue();
    }
}
