package io.sirocco.model;

import io.sirocco.tensor.PhysicalMemory;
import io.sirocco.tensor.Tensor;
import java.util.List;
import java.util.Optional;

/**
 * Start-up check of mapped weights against physical memory. Weights are memory-mapped, so a model larger than RAM
 * still loads, but every token then re-reads evicted pages from disk (what llama.cpp users see as a model "running from
 * the page cache"): generation becomes disk-bound, often 10–100× slower. Say so once at load instead of looking hung.
 */
public final class MemoryCheck {
    private MemoryCheck() {}

    /** Bytes of all tensors the model maps (what a forward pass can touch). */
    public static long weightBytes(List<Tensor> tensors) {
        long n = 0;
        for (Tensor t : tensors) n += t.data().byteSize();
        return n;
    }

    /**
     * The warning for {@code weights} bytes of mapped weights on a machine with {@code mem}, or empty when they fit in
     * the memory available now.
     */
    public static Optional<String> warning(long weights, PhysicalMemory mem) {
        if (weights > mem.total())
            return Optional.of(String.format("model weights (%s) exceed physical memory (%s): they are memory-mapped, so the model runs, "
                    + "but from the disk page cache: every token re-reads weights from disk and generation will be very slow. "
                    + "Use a smaller quantization (e.g. Q4_K_M) or a machine with more RAM", gib(weights), gib(mem.total())));
        if (mem.available() >= 0 && weights > mem.available())
            return Optional.of(String.format("model weights (%s) exceed the memory available now (%s of %s): other programs' memory will be "
                    + "paged out, or the first tokens will be slow while the weights are read from disk", gib(weights), gib(mem.available()),
                    gib(mem.total())));
        return Optional.empty();
    }

    private static String gib(long bytes) {
        return String.format("%.1f GiB", bytes / (double) (1L << 30));
    }
}
