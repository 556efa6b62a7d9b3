package io.sirocco.tensor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The machine's memory in bytes; {@code available} is what can be used without swapping (MemAvailable), -1 if
 * unknown. Read by the start-up check of a model's size and before kernels make copies of weights.
 */
public record PhysicalMemory(long total, long available) {

    /** /proc/meminfo (MemTotal, MemAvailable); elsewhere the JVM's OperatingSystemMXBean (total and free memory). */
    public static Optional<PhysicalMemory> read() {
        Optional<PhysicalMemory> m = fromMeminfo();
        if (m.isPresent()) return m;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os && os.getTotalMemorySize() > 0)
            return Optional.of(new PhysicalMemory(os.getTotalMemorySize(), os.getFreeMemorySize()));
        return Optional.empty();
    }

    /** /proc/meminfo only (Linux); empty where it cannot be read. */
    public static Optional<PhysicalMemory> fromMeminfo() {
        Path meminfo = Path.of("/proc/meminfo");
        if (!Files.isReadable(meminfo)) return Optional.empty();
        try {
            return parse(Files.readAllLines(meminfo));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** MemTotal and MemAvailable (kB) of /proc/meminfo lines; empty without MemTotal. */
    public static Optional<PhysicalMemory> parse(List<String> lines) {
        long total = -1, available = -1;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2) continue;
            if (f[0].equals("MemTotal:")) total = Long.parseLong(f[1]) * 1024;
            if (f[0].equals("MemAvailable:")) available = Long.parseLong(f[1]) * 1024;
        }
        return total > 0 ? Optional.of(new PhysicalMemory(total, available)) : Optional.empty();
    }
}
