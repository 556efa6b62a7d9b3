package io.sirocco.model;

import io.sirocco.tensor.Tensor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Start-up check of mapped weights against physical memory. Weights are memory-mapped, so a model larger than RAM
 * still loads, but every token then re-reads evicted pages from disk (what llama.cpp users see as a model "running from
 * the page cache"): generation becomes disk-bound, often 10–100× slower. Say so once at load instead of looking hung.
 */
public final class MemoryCheck {
    private MemoryCheck() {}

    /** Physical memory in bytes; {@code available} is what can be used without swapping (MemAvailable), -1 if unknown. */
    public record Memory(long total, long available) {}

    /** /proc/meminfo (MemTotal, MemAvailable); elsewhere the JVM's OperatingSystemMXBean (total and free memory). */
    public static Optional<Memory> read() {
        Path meminfo = Path.of("/proc/meminfo");
        if (Files.isReadable(meminfo)) {
            try {
                Optional<Memory> m = parseMeminfo(Files.readAllLines(meminfo));
                if (m.isPresent()) return m;
            } catch (IOException | RuntimeException ignored) {
                // fall through to the MXBean
            }
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os && os.getTotalMemorySize() > 0)
            return Optional.of(new Memory(os.getTotalMemorySize(), os.getFreeMemorySize()));
        return Optional.empty();
    }

    /** MemTotal and MemAvailable (kB) of /proc/meminfo lines; empty without MemTotal. */
    static Optional<Memory> parseMeminfo(List<String> lines) {
        long total = -1, available = -1;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2) continue;
            if (f[0].equals("MemTotal:")) total = Long.parseLong(f[1]) * 1024;
            if (f[0].equals("MemAvailable:")) available = Long.parseLong(f[1]) * 1024;
        }
        return total > 0 ? Optional.of(new Memory(total, available)) : Optional.empty();
    }

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
    public static Optional<String> warning(long weights, Memory mem) {
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
