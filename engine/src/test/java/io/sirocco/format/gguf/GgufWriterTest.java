package io.sirocco.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import io.sirocco.testing.TestData;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write → read round trips for every metadata type, arrays, alignment and tensors. */
class GgufWriterTest {
    @TempDir
    Path tmp;

    @Test
    void everyMetadataTypeRoundTrips() {
        Path p = tmp.resolve("meta.gguf");
        new GgufWriter()
                .putUInt8("u8", 255).putInt8("i8", -128)
                .putUInt16("u16", 65535).putInt16("i16", -32768)
                .putUInt32("u32", 0xFFFF_FFFFL).putInt32("i32", Integer.MIN_VALUE)
                .putUInt64("u64", -1L).putInt64("i64", Long.MIN_VALUE)
                .putFloat32("f32", 1e9f).putFloat64("f64", Math.PI)
                .putBool("yes", true).putBool("no", false)
                .putString("s", "héllo ✓ 日本 \u0000 end").putString("empty", "")
                .putStrings("strings", List.of("a", "", "<s>", "Ġthe"))
                .putFloat32s("floats", new float[] {0f, -1.5f, Float.NaN, Float.NEGATIVE_INFINITY})
                .putInt32s("ints", new int[] {1, -2, 3})
                .putArray("bools", GgufValueType.BOOL, List.of(true, false))
                .putArray("u8s", GgufValueType.UINT8, List.of(0, 200))
                .putArray("f64s", GgufValueType.FLOAT64, List.of(1.0, 2.5))
                .putArray("u64s", GgufValueType.UINT64, List.of(-1L, 7L))
                .putArray("emptyArray", GgufValueType.UINT32, List.of())
                .putArray("nested", GgufValueType.ARRAY, List.of(
                        new GgufArray(GgufValueType.INT16, List.of(1, 2)),
                        new GgufArray(GgufValueType.STRING, List.of("x")),
                        new GgufArray(GgufValueType.ARRAY, List.of(new GgufArray(GgufValueType.FLOAT32, List.of(0.5f))))))
                .write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.tensors()).isEmpty();
            Map<String, Object> m = f.metadata();
            assertThat(m.keySet()).containsExactly("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64",
                    "yes", "no", "s", "empty", "strings", "floats", "ints", "bools", "u8s", "f64s", "u64s", "emptyArray", "nested");
            assertThat(m.get("u8")).isEqualTo(255L);
            assertThat(m.get("i8")).isEqualTo(-128L);
            assertThat(m.get("u16")).isEqualTo(65535L);
            assertThat(m.get("i16")).isEqualTo(-32768L);
            assertThat(m.get("u32")).isEqualTo(0xFFFF_FFFFL);
            assertThat(m.get("i32")).isEqualTo((long) Integer.MIN_VALUE);
            assertThat(m.get("u64")).isEqualTo(-1L);
            assertThat(m.get("i64")).isEqualTo(Long.MIN_VALUE);
            assertThat(m.get("f32")).isEqualTo(1e9f);
            assertThat(m.get("f64")).isEqualTo(Math.PI);
            assertThat(m.get("yes")).isEqualTo(true);
            assertThat(m.get("no")).isEqualTo(false);
            assertThat(m.get("s")).isEqualTo("héllo ✓ 日本 \u0000 end");
            assertThat(m.get("empty")).isEqualTo("");
            assertThat(m.get("strings")).isEqualTo(List.of("a", "", "<s>", "Ġthe"));
            assertThat(f.getFloatArray("floats")).containsExactly(0f, -1.5f, Float.NaN, Float.NEGATIVE_INFINITY);
            assertThat(m.get("ints")).isEqualTo(List.of(1L, -2L, 3L));
            assertThat(m.get("bools")).isEqualTo(List.of(true, false));
            assertThat(m.get("u8s")).isEqualTo(List.of(0L, 200L));
            assertThat(m.get("f64s")).isEqualTo(List.of(1.0, 2.5));
            assertThat(m.get("u64s")).isEqualTo(List.of(-1L, 7L));
            assertThat(m.get("emptyArray")).isEqualTo(List.of());
            assertThat(m.get("nested")).isEqualTo(List.of(List.of(1L, 2L), List.of("x"), List.of(List.of(0.5f))));
            assertThat(m.keySet().stream().map(k -> f.type(k).orElseThrow()).distinct()).containsExactlyInAnyOrder(GgufValueType.values());
            assertThat(f.type("u16")).contains(GgufValueType.UINT16);
            assertThat(f.type("i8")).contains(GgufValueType.INT8);
            assertThat(f.arrayType("u64s")).contains(GgufValueType.UINT64);
            assertThat(f.getInt("u16")).isEqualTo(65535);
            assertThatThrownBy(() -> f.getInt("u32")).hasMessageContaining("does not fit in an int");
        }
    }

    @Test
    void tensorsRoundTripWithAlignment() {
        Random rnd = new Random(42);
        byte[] f32 = random(rnd, 3 * 5 * 4);
        byte[] q8 = random(rnd, 2 * 64 / 32 * 34);
        byte[] bf16 = random(rnd, 7 * 2);
        byte[] q4k = random(rnd, 2 * 144);
        for (int alignment : new int[] {32, 64, 4096, 1}) {
            Path p = tmp.resolve("t" + alignment + ".gguf");
            new GgufWriter().alignment(alignment)
                    .putString("general.architecture", "test")
                    .addTensor("a", GgmlType.F32, new long[] {3, 5}, f32)
                    .addTensor("b", GgmlType.Q8_0, new long[] {2, 64}, q8)
                    .addTensor("c", GgmlType.BF16, new long[] {7}, bf16)
                    .addTensor("d", GgmlType.Q4_K, new long[] {2, 1, 256}, q4k)
                    .addTensor("scalar", GgmlType.F32, new long[] {}, new byte[4])
                    .addTensor("zero", GgmlType.F32, new long[] {0, 4}, new byte[0])
                    .write(p);
            try (GgufFile f = GgufFile.open(p)) {
                assertThat(f.alignment()).isEqualTo(alignment);
                assertThat(f.dataOffset() % alignment).isZero();
                assertThat(f.tensors()).extracting(Tensor::name).containsExactly("a", "b", "c", "d", "scalar", "zero");
                assertTensor(f, "a", GgmlType.F32, new long[] {3, 5}, f32);
                assertTensor(f, "b", GgmlType.Q8_0, new long[] {2, 64}, q8);
                assertTensor(f, "c", GgmlType.BF16, new long[] {7}, bf16);
                assertTensor(f, "d", GgmlType.Q4_K, new long[] {2, 1, 256}, q4k);
                assertTensor(f, "scalar", GgmlType.F32, new long[] {}, new byte[4]);
                assertTensor(f, "zero", GgmlType.F32, new long[] {0, 4}, new byte[0]);
                for (Tensor t : f.tensors())
                    assertThat((t.data().address() - f.tensors().getFirst().data().address()) % alignment).isZero();
            }
        }
    }

    @Test
    void copyOfRealFilesIsIdentical() throws Exception {
        for (String name : List.of("models/stories260K.gguf", "mistral-tiny/gguf/synth-mistral-small-3.2-tiny-mistral3-BF16.gguf",
                "mistral-q256/gguf/synth-mistral-small-3.2-q256-mistral3-Q4_K_M.gguf")) {
            Path src = TestData.file(name);
            Path copy = tmp.resolve("copy.gguf");
            try (GgufFile f = GgufFile.open(src)) {
                GgufWriter w = new GgufWriter().copyMetadata(f);
                f.tensors().forEach(w::addTensor);
                w.write(copy);
                try (GgufFile g = GgufFile.open(copy)) {
                    assertThat(g.metadata()).isEqualTo(f.metadata());
                    assertThat(g.tensors()).hasSameSizeAs(f.tensors());
                    for (int i = 0; i < f.tensors().size(); i++) {
                        Tensor a = f.tensors().get(i), b = g.tensors().get(i);
                        assertThat(b.name()).isEqualTo(a.name());
                        assertThat(b.type()).isEqualTo(a.type());
                        assertThat(b.shape()).isEqualTo(a.shape());
                        assertThat(b.data().mismatch(a.data())).isEqualTo(-1);
                    }
                    assertThat(g.dataOffset()).isEqualTo(f.dataOffset());
                }
            }
            // llama.cpp's writer lays the file out the same way: the copy is byte-identical when the source was v3.
            try (GgufFile f = GgufFile.open(src)) {
                if (f.version() == 3) assertThat(Files.mismatch(src, copy)).isEqualTo(-1L);
            }
        }
    }

    @Test
    void rejectsInvalidInput() {
        GgufWriter w = new GgufWriter();
        assertThatThrownBy(() -> w.putUInt8("x", 256)).hasMessageContaining("out of range for UINT8");
        assertThatThrownBy(() -> w.putUInt32("x", -1)).hasMessageContaining("out of range for UINT32");
        assertThatThrownBy(() -> w.put("x", GgufValueType.STRING, 5)).hasMessageContaining("not a valid STRING");
        assertThatThrownBy(() -> w.putArray("x", GgufValueType.BOOL, List.of(1))).hasMessageContaining("not a valid BOOL");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {2, 2}, new byte[15])).hasMessageContaining("needs 16 bytes");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.Q4_0, new long[] {16}, new byte[9])).hasMessageContaining("block size 32");
        assertThatThrownBy(() -> w.alignment(24)).hasMessageContaining("power of two");
        w.addTensor("t", GgmlType.F32, new long[] {1}, new byte[4]);
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {1}, new byte[4])).hasMessageContaining("duplicate");
    }

    private static void assertTensor(GgufFile f, String name, GgmlType type, long[] shape, byte[] data) {
        Tensor t = f.tensor(name).orElseThrow();
        assertThat(t.type()).isEqualTo(type);
        assertThat(t.shape()).isEqualTo(shape);
        assertThat(t.data().mismatch(MemorySegment.ofArray(data))).isEqualTo(-1);
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
