package io.sirocco.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HugePagesTest {
    @Test
    void allocatesZeroedWritableMemoryOfTheSizeAsked() {
        for (long size : new long[] {1, 1000, (4L << 20) + 123}) {
            MemorySegment s = HugePages.allocate(size);
            assertThat(s.byteSize()).isEqualTo(size);
            for (long i = 0; i < size; i += 4093) assertThat(s.get(ValueLayout.JAVA_BYTE, i)).isZero();
            s.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 7);
            assertThat(s.get(ValueLayout.JAVA_BYTE, size - 1)).isEqualTo((byte) 7);
            assertThat(s.address() % 64).isZero();
        }
    }

    @Test
    void copiesAreAffordableOnlyWhileAMarginStaysAvailable() {
        long gib = 1L << 30;
        assertThat(HugePages.affordable(gib, new PhysicalMemory(24 * gib, 10 * gib))).isTrue();          // 9 left ≥ 2.4
        assertThat(HugePages.affordable(8 * gib, new PhysicalMemory(24 * gib, 10 * gib))).isFalse();     // 2 left < 2.4
        assertThat(HugePages.affordable(gib, new PhysicalMemory(8 * gib, 3 * gib))).isTrue();            // 2 left ≥ 2 (floor)
        assertThat(HugePages.affordable(gib + 1, new PhysicalMemory(8 * gib, 3 * gib))).isFalse();
        assertThat(HugePages.affordable(Long.MAX_VALUE / 2, null)).isTrue();                        // not Linux: no check
    }

    @Test
    void largeBlocksStartOnAHugePageOnLinux() {
        MemorySegment s = HugePages.allocate(3L << 20);
        if (System.getProperty("os.name").toLowerCase().contains("linux")) assertThat(s.address() % (2L << 20)).isZero();
    }

    @Test
    void adviceOnAFileMappingLeavesItsContents(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("w.bin");
        byte[] bytes = new byte[5 << 20];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) (i * 31);
        Files.write(f, bytes);
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            HugePages.adviseHuge(m);
            for (int i = 0; i < bytes.length; i += 4099) assertThat(m.get(ValueLayout.JAVA_BYTE, i)).isEqualTo(bytes[i]);
        }
    }
}
