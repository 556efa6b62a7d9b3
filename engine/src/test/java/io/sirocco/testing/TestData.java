package io.sirocco.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared test data: system property {@code sirocco.testdata}, else env {@code SIROCCO_TESTDATA},
 * else {@code ../shared/testdata} from the checkout root. Never copy that data into the project.
 */
public final class TestData {
    private TestData() {}

    public static Path root() {
        String p = System.getProperty("sirocco.testdata");
        if (p == null || p.isBlank()) p = System.getenv("SIROCCO_TESTDATA");
        if (p == null || p.isBlank()) p = "../shared/testdata";
        Path root = Path.of(p).toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            // Running from a module directory: try one level further up.
            Path alt = Path.of("..", p).toAbsolutePath().normalize();
            if (Files.isDirectory(alt)) root = alt;
        }
        return root;
    }

    /** A file under the test data root; fails the test loudly when the data is missing. */
    public static Path file(String relative) {
        Path f = root().resolve(relative);
        if (!Files.exists(f)) throw new IllegalStateException("missing shared test data: " + f);
        return f;
    }

    /** For optional data: skips the test (with the reason) instead of failing. */
    public static Path optional(String relative) {
        Path f = root().resolve(relative);
        assumeTrue(Files.exists(f), "optional test data not present: " + f);
        return f;
    }
}
