package io.sirocco.model;

import io.sirocco.tokenizer.TekkenGgufVocabulary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The built-in demo model (like vLLM's dummy weights): a small Mistral-shaped GGUF with random Q8_0 weights and a
 * byte-level Tekken vocabulary (1000 specials + 256 bytes). Its output is noise; it shows that everything runs.
 */
public final class DemoModel {
    private DemoModel() {}

    /** The demo GGUF in {@code dir}, written on first use (atomically, so concurrent first runs are safe). */
    public static Path ensure(Path dir) {
        Path file = dir.resolve("sirocco-demo-v2.gguf");
        if (Files.isRegularFile(file)) return file;
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "demo", ".tmp");
            SyntheticModel.write(tmp, SyntheticModel.Spec.demo(), TekkenGgufVocabulary.byteLevel(1000));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo model in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code ~/.cache/sirocco} (or {@code $XDG_CACHE_HOME/sirocco}). */
    public static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("sirocco");
    }
}
