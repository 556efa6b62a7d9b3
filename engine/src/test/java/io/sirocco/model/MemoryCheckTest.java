package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.tensor.PhysicalMemory;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryCheckTest {
    static final long GIB = 1L << 30;

    @Test
    void warnsOnlyWhenWeightsDoNotFit() {
        var mem = new PhysicalMemory(64 * GIB, 40 * GIB);
        assertThat(MemoryCheck.warning(30 * GIB, mem)).isEmpty();
        // Small 4 at 4 bits (~65 GB) on a 64 GiB machine: page cache, slowly.
        assertThat(MemoryCheck.warning(65_000_000_000L + 4 * GIB, mem)).hasValueSatisfying(w -> assertThat(w)
                .contains("exceed physical memory (64.0 GiB)").contains("page cache").contains("slow"));
        assertThat(MemoryCheck.warning(50 * GIB, mem)).hasValueSatisfying(w -> assertThat(w)
                .contains("available now (40.0 GiB of 64.0 GiB)"));
        assertThat(MemoryCheck.warning(50 * GIB, new PhysicalMemory(64 * GIB, -1))).isEmpty();  // available unknown
    }

    @Test
    void parsesMeminfo() {
        var m = PhysicalMemory.parse(List.of("MemTotal:       24684092 kB", "MemFree:        12482400 kB", "MemAvailable:   16713232 kB"));
        assertThat(m).contains(new PhysicalMemory(24684092L * 1024, 16713232L * 1024));
        assertThat(PhysicalMemory.parse(List.of("MemFree: 1 kB"))).isEmpty();
        assertThat(PhysicalMemory.read()).hasValueSatisfying(r -> assertThat(r.total()).isPositive());
    }

    @Test
    void weightBytesOfALoadedModel() {
        try (Model m = Model.load(io.sirocco.testing.TestData.file("mistral-small4/gguf/synth-mistral-small-4-tiny-mistral4-F32.gguf"))) {
            long bytes = MemoryCheck.weightBytes(m.tensors());
            assertThat(bytes).isBetween(6_000_000L, 6_331_520L);  // the tensors of the 6.3 MB file
        }
    }
}
