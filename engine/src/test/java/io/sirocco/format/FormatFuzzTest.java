package io.sirocco.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.sirocco.format.gguf.GgufArray;
import io.sirocco.format.gguf.GgufFile;
import io.sirocco.format.gguf.GgufValueType;
import io.sirocco.format.gguf.GgufWriter;
import io.sirocco.format.safetensors.SafeTensors;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import io.sirocco.testing.TestData;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random header corruption of real files (fixed seeds): every open either succeeds, with tensor slices inside the
 * file, or throws {@link ModelFormatException}; never another exception, an OutOfMemoryError or a crash.
 *
 * <p>To stay fast the mutated bytes are written into one working copy and restored after each attempt; truncations
 * write a fresh prefix file.
 */
class FormatFuzzTest {
    private static final long[] EXTREMES = {0, 1, 2, 7, 8, 31, 32, 33, 255, 256, 0xFFFF, 0x7FFF_FFFFL, 0x8000_0000L,
            0xFFFF_FFFFL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1, -8};

    @TempDir
    Path tmp;

    @Test
    void mutatedStoriesGguf() throws IOException {
        Path src = TestData.file("models/stories260K.gguf");
        long headerEnd;
        try (GgufFile f = GgufFile.open(src)) {
            headerEnd = f.dataOffset();
        }
        fuzz(src, headerEnd, 1000, 1, this::openGguf);
    }

    @Test
    void mutatedSyntheticGgufWithEveryValueType() throws IOException {
        Path src = tmp.resolve("synthetic.gguf");
        new GgufWriter()
                .putUInt8("u8", 1).putInt8("i8", -1).putUInt16("u16", 2).putInt16("i16", -2).putUInt32("u32", 3)
                .putInt32("i32", -3).putUInt64("u64", 4).putInt64("i64", -4).putFloat32("f32", 0.5f).putFloat64("f64", 0.25)
                .putBool("b", true).putString("s", "text ✓")
                .putStrings("strings", List.of("a", "bc", "déf"))
                .putFloat32s("floats", new float[] {1, 2, 3})
                .putArray("nested", GgufValueType.ARRAY, List.of(new GgufArray(GgufValueType.UINT16, List.of(1, 2)),
                        new GgufArray(GgufValueType.STRING, List.of("x"))))
                .addTensor("a", GgmlType.F32, new long[] {2, 8}, new byte[64])
                .addTensor("b", GgmlType.Q8_0, new long[] {1, 32}, new byte[34])
                .addTensor("c", GgmlType.Q4_K, new long[] {256}, new byte[144])
                .write(src);
        long headerEnd;
        try (GgufFile f = GgufFile.open(src)) {
            headerEnd = f.dataOffset();
        }
        fuzz(src, headerEnd, 2000, 2, this::openGguf);
    }

    @Test
    void mutatedSafetensors() throws IOException {
        Path src = TestData.file("mistral-tiny/hf/model.safetensors");
        long n;
        try (FileChannel ch = FileChannel.open(src)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 0);
            n = b.getLong(0);
        }
        fuzz(src, 8 + n, 2000, 3, this::openSafetensors);
    }

    private void openGguf(Path p) {
        try (GgufFile f = GgufFile.open(p)) {
            for (Tensor t : f.tensors()) touch(t, f.fileSize());
            f.metadata().size();
        }
    }

    private void openSafetensors(Path p) {
        try (SafeTensors st = SafeTensors.open(p)) {
            for (Tensor t : st.tensors()) touch(t, Long.MAX_VALUE);
        }
    }

    private static void touch(Tensor t, long fileSize) {
        long size = t.data().byteSize();
        assertThat(size).isLessThanOrEqualTo(fileSize);
        if (size > 0) {
            t.data().get(ValueLayout.JAVA_BYTE, 0);
            t.data().get(ValueLayout.JAVA_BYTE, size - 1);
        }
    }

    /** {@code iterations} random header mutations of {@code src} ({@code headerEnd}: where the header stops). */
    private void fuzz(Path src, long headerEnd, int iterations, long seed, Consumer<Path> open) throws IOException {
        byte[] original = Files.readAllBytes(src);
        Path work = tmp.resolve("work-" + seed);
        Files.write(work, original);
        Path cut = tmp.resolve("cut-" + seed);
        Random rnd = new Random(seed);
        int accepted = 0, rejected = 0;
        try (FileChannel ch = FileChannel.open(work, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (int i = 0; i < iterations; i++) {
                int kind = rnd.nextInt(5);
                Path target = work;
                long at = -1;
                int len = 0;
                if (kind == 0) { // truncation, mostly inside the header
                    long keep = rnd.nextInt(10) == 0 ? rnd.nextLong(original.length) : rnd.nextLong(Math.min(headerEnd + 64, original.length));
                    Files.write(cut, java.util.Arrays.copyOf(original, (int) keep));
                    target = cut;
                } else {
                    at = rnd.nextLong(headerEnd);
                    byte[] patch;
                    switch (kind) {
                        case 1 -> { // bit flips
                            patch = new byte[] {(byte) (original[(int) at] ^ (1 << rnd.nextInt(8)))};
                        }
                        case 2 -> { // random bytes
                            patch = new byte[1 + rnd.nextInt(8)];
                            rnd.nextBytes(patch);
                        }
                        case 3 -> { // an extreme 64-bit value (length and count fields)
                            patch = le64(EXTREMES[rnd.nextInt(EXTREMES.length)]);
                        }
                        default -> { // an extreme 32-bit value (types, dimension counts)
                            patch = java.util.Arrays.copyOf(le64(EXTREMES[rnd.nextInt(EXTREMES.length)]), 4);
                        }
                    }
                    len = (int) Math.min(patch.length, original.length - at);
                    ch.write(ByteBuffer.wrap(patch, 0, len), at);
                }
                try {
                    open.accept(target);
                    accepted++;
                } catch (ModelFormatException e) {
                    rejected++;
                    assertThat(e.getMessage()).isNotBlank();
                } catch (Throwable t) {
                    fail("seed " + seed + " iteration " + i + " (mutation kind " + kind + " at " + at + "): " + t, t);
                } finally {
                    if (len > 0) ch.write(ByteBuffer.wrap(original, (int) at, len), at);
                }
            }
        }
        System.out.printf("fuzz seed %d: %d accepted, %d rejected%n", seed, accepted, rejected);
        // Both outcomes must occur, or the fuzzing is not reaching the parser.
        assertThat(rejected).isGreaterThan(iterations / 10);
        assertThat(accepted).isPositive();
    }

    private static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
