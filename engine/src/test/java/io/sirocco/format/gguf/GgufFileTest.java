package io.sirocco.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sirocco.format.ModelFormatException;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import io.sirocco.testing.TestData;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads the shared GGUF files and checks facts listed in the test-data README; hand-made broken headers. */
class GgufFileTest {
    @TempDir
    Path tmp;

    @Test
    void readsStories260K() {
        try (GgufFile f = GgufFile.open(TestData.file("models/stories260K.gguf"))) {
            assertThat(f.version()).isIn(2, 3);
            assertThat(f.getString("general.architecture")).isEqualTo("llama");
            assertThat(f.getInt("llama.embedding_length")).isEqualTo(64);
            assertThat(f.getInt("llama.block_count")).isEqualTo(5);
            assertThat(f.getInt("llama.attention.head_count")).isEqualTo(8);
            assertThat(f.getInt("llama.attention.head_count_kv")).isEqualTo(4);
            assertThat(f.getInt("llama.feed_forward_length")).isEqualTo(172);
            assertThat(f.getInt("llama.context_length")).isEqualTo(2048);
            assertThat(f.containsKey("llama.rope.freq_base")).isFalse();
            assertThat(f.getString("tokenizer.ggml.model")).isEqualTo("llama");
            assertThat(f.getStringList("tokenizer.ggml.tokens")).hasSize(512);
            assertThat(f.getFloatArray("tokenizer.ggml.scores")).hasSize(512);
            assertThat(f.getInt("tokenizer.ggml.bos_token_id")).isEqualTo(1);
            assertThat(f.getInt("tokenizer.ggml.eos_token_id")).isEqualTo(2);
            assertThat(f.alignment()).isEqualTo(32);
            assertThat(f.dataOffset() % 32).isZero();
            assertThat(f.tensors()).allSatisfy(t -> assertThat(t.type()).isEqualTo(GgmlType.F32));
            assertThat(f.tensor("token_embd.weight").orElseThrow().shape()).containsExactly(512, 64);
            assertThat(f.tensor("blk.0.ffn_gate.weight").orElseThrow().shape()).containsExactly(172, 64);
            assertThat(f.tensor("blk.0.attn_k.weight").orElseThrow().shape()).containsExactly(32, 64);
            assertThat(f.tensor("output_norm.weight").orElseThrow().shape()).containsExactly(64);
            assertThat(f.tensor("nope")).isEmpty();
            // 5 layers × 9 tensors + token_embd, output_norm, output
            assertThat(f.tensors()).hasSize(48);
            // tensor data are slices of the file at dataOffset + offset
            Tensor norm = f.tensor("output_norm.weight").orElseThrow();
            assertThat(norm.data().byteSize()).isEqualTo(64 * 4);
            assertThat(Float.isFinite(norm.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0))).isTrue();
        }
    }

    @Test
    void readsMistralTinyBf16() {
        for (String arch : List.of("mistral3", "llama")) {
            try (GgufFile f = GgufFile.open(TestData.file("mistral-tiny/gguf/synth-mistral-small-3.2-tiny-" + arch + "-BF16.gguf"))) {
                assertThat(f.getString("general.architecture")).isEqualTo(arch);
                assertThat(f.getLong("general.file_type")).isEqualTo(32);
                assertThat(f.getInt(arch + ".context_length")).isEqualTo(8192);
                assertThat(f.getInt(arch + ".embedding_length")).isEqualTo(64);
                assertThat(f.getInt(arch + ".block_count")).isEqualTo(2);
                assertThat(f.getFloat(arch + ".rope.freq_base")).isEqualTo(1e9f);
                assertThat(f.getString("tokenizer.ggml.model")).isEqualTo("gpt2");
                assertThat(f.getString("tokenizer.ggml.pre")).isEqualTo("tekken");
                assertThat(f.getStringList("tokenizer.ggml.tokens")).hasSize(8192).startsWith("<unk>", "<s>", "</s>");
                assertThat(f.getIntArray("tokenizer.ggml.token_type")).hasSize(8192);
                assertThat(f.getList("tokenizer.ggml.merges")).hasSize(11448);
                assertThat(f.getInt("tokenizer.ggml.padding_token_id")).isEqualTo(11);
                assertThat(f.getBoolean("tokenizer.ggml.add_bos_token")).isTrue();
                assertThat(f.getBoolean("tokenizer.ggml.add_eos_token")).isFalse();
                assertThat(f.tensors()).hasSize(2 + 2 * 9 + 1);
                assertThat(f.tensor("token_embd.weight").orElseThrow()).satisfies(t -> {
                    assertThat(t.type()).isEqualTo(GgmlType.BF16);
                    assertThat(t.shape()).containsExactly(8192, 64);
                });
                assertThat(f.tensor("blk.1.attn_q.weight").orElseThrow().shape()).containsExactly(128, 64);
                assertThat(f.tensor("blk.1.attn_output.weight").orElseThrow().shape()).containsExactly(64, 128);
                assertThat(f.tensor("blk.0.ffn_down.weight").orElseThrow().shape()).containsExactly(64, 192);
                assertThat(f.tensor("blk.0.attn_norm.weight").orElseThrow().type()).isEqualTo(GgmlType.F32);
                assertThat(f.tensor("output.weight").orElseThrow().shape()).containsExactly(8192, 64);
            }
        }
    }

    @Test
    void readsQuantizedQ256() {
        String dir = "mistral-q256/gguf/synth-mistral-small-3.2-q256-mistral3-";
        try (GgufFile f = GgufFile.open(TestData.file(dir + "Q4_K_M.gguf"))) {
            assertThat(f.tensor("blk.0.attn_q.weight").orElseThrow().type()).isEqualTo(GgmlType.Q4_K);
            assertThat(f.tensor("blk.0.attn_q.weight").orElseThrow().shape()).containsExactly(1024, 256);
            assertThat(f.tensor("output.weight").orElseThrow().type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensor("blk.1.attn_v.weight").orElseThrow().type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensor("blk.1.ffn_down.weight").orElseThrow().type()).isEqualTo(GgmlType.Q6_K);
            assertThat(f.tensor("blk.0.attn_norm.weight").orElseThrow().type()).isEqualTo(GgmlType.F32);
        }
        for (var e : List.of(List.of("Q8_0", GgmlType.Q8_0), List.of("Q6_K", GgmlType.Q6_K), List.of("Q4_0", GgmlType.Q4_0))) {
            try (GgufFile f = GgufFile.open(TestData.file(dir + e.get(0) + ".gguf"))) {
                Tensor t = f.tensor("blk.0.ffn_gate.weight").orElseThrow();
                assertThat(t.type()).isEqualTo(e.get(1));
                assertThat(t.shape()).containsExactly(768, 256);
                assertThat(t.data().byteSize()).isEqualTo(768 * t.rowBytes());
                assertThat(f.getInt("mistral3.attention.key_length")).isEqualTo(128);
            }
        }
    }

    @Test
    void readsVisionAndSmall4Files() {
        try (GgufFile f = GgufFile.open(TestData.file("vision/model/mmproj-f32.gguf"))) {
            assertThat(f.getString("general.architecture")).isEqualTo("clip");
            assertThat(f.getString("clip.projector_type")).isEqualTo("pixtral");
            assertThat(f.getInt("clip.vision.patch_size")).isEqualTo(14);
            assertThat(f.getFloatArray("clip.vision.image_mean")).containsExactly(0.48145466f, 0.4578275f, 0.40821073f);
            assertThat(f.getBoolean("clip.use_silu")).isTrue();
            assertThat(f.tensor("v.patch_embd.weight").orElseThrow().shape()).containsExactly(64, 3, 14, 14);
            assertThat(f.tensor("mm.patch_merger.weight").orElseThrow().shape()).containsExactly(64, 256);
            assertThat(f.tensors()).allSatisfy(t -> assertThat(t.type()).isEqualTo(GgmlType.F32));
        }
        try (GgufFile f = GgufFile.open(TestData.file("vision/model/text-bf16.gguf"))) {
            assertThat(f.getInt("llama.context_length")).isEqualTo(131072);
            assertThat(f.tensor("token_embd.weight").orElseThrow().shape()).containsExactly(8192, 96);
        }
        String small4 = "mistral-small4/gguf/synth-mistral-small-4-tiny-mistral4-";
        try (GgufFile f = GgufFile.open(TestData.file(small4 + "F32.gguf"))) {
            assertThat(f.getString("general.architecture")).isEqualTo("mistral4");
            assertThat(f.getLong("general.file_type")).isZero();
            assertThat(f.tensors()).hasSize(35).allSatisfy(t -> assertThat(t.type()).isEqualTo(GgmlType.F32));
            assertThat(f.tensor("blk.0.attn_k_b.weight").orElseThrow().shape()).containsExactly(4, 16, 16);
            assertThat(f.tensor("blk.0.attn_v_b.weight").orElseThrow().shape()).containsExactly(4, 32, 16);
            assertThat(f.tensor("blk.1.ffn_gate_up_exps.weight").orElseThrow().shape()).containsExactly(128, 16, 64);
            assertThat(f.tensor("blk.1.ffn_down_exps.weight").orElseThrow().shape()).containsExactly(128, 64, 8);
            assertThat(f.getInt("mistral4.attention.head_count_kv")).isEqualTo(1);
            assertThat(f.getLong("mistral4.context_length")).isEqualTo(1048576);
            assertThat(f.getString("mistral4.rope.scaling.type")).isEqualTo("yarn");
            assertThat(f.getFloat("mistral4.rope.scaling.yarn_log_multiplier")).isEqualTo(0.1f);
            assertThat(f.getBoolean("mistral4.expert_weights_norm")).isTrue();
            assertThat(f.containsKey("mistral4.expert_gating_func")).isFalse();
        }
        try (GgufFile f = GgufFile.open(TestData.file(small4 + "Q8_0.gguf"))) {
            assertThat(f.tensor("blk.0.attn_k_b.weight").orElseThrow().type()).isEqualTo(GgmlType.F16);
            assertThat(f.tensor("blk.0.ffn_gate_inp.weight").orElseThrow().type()).isEqualTo(GgmlType.F32);
            assertThat(f.tensor("blk.0.ffn_gate_up_exps.weight").orElseThrow().type()).isEqualTo(GgmlType.Q8_0);
        }
        try (GgufFile f = GgufFile.open(TestData.file(small4 + "Q4_K_M.gguf"))) {
            // Q5_0 is a known type Sirocco has no kernel for: readable, flagged unsupported for the loader.
            Tensor q = f.tensor("blk.0.attn_q_a.weight").orElseThrow();
            assertThat(q.type()).isEqualTo(GgmlType.Q5_0);
            assertThat(q.type().supported).isFalse();
            assertThat(f.tensor("output.weight").orElseThrow().type()).isEqualTo(GgmlType.Q8_0);
        }
    }

    @Test
    void typedGetterErrorsNameTheKeyAndType() {
        try (GgufFile f = GgufFile.open(TestData.file("models/stories260K.gguf"))) {
            assertThatThrownBy(() -> f.getString("llama.block_count"))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("llama.block_count").hasMessageContaining("UINT32");
            assertThatThrownBy(() -> f.getLong("general.architecture"))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("general.architecture").hasMessageContaining("STRING");
            assertThatThrownBy(() -> f.getInt("no.such.key"))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("missing metadata key 'no.such.key'");
            assertThat(f.getOptionalInt("no.such.key")).isEmpty();
            assertThat(f.getOptionalString("general.architecture")).contains("llama");
            assertThat(f.type("llama.block_count")).contains(GgufValueType.UINT32);
            assertThat(f.arrayType("tokenizer.ggml.tokens")).contains(GgufValueType.STRING);
        }
    }

    @Test
    void closeUnmaps() {
        GgufFile f = GgufFile.open(TestData.file("models/stories260K.gguf"));
        Tensor t = f.tensors().getFirst();
        f.close();
        f.close(); // idempotent
        assertThatThrownBy(() -> t.data().get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    // ---- broken headers, hand-made ----

    private Path write(byte[] bytes) throws IOException {
        Path p = Files.createTempFile(tmp, "bad", ".gguf");
        Files.write(p, bytes);
        return p;
    }

    private static ByteBuffer header(int version, long tensors, long kvs) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(version).putLong(tensors).putLong(kvs);
        return b;
    }

    private Path write(ByteBuffer b) throws IOException {
        byte[] bytes = new byte[b.position()];
        b.flip().get(bytes);
        return write(bytes);
    }

    private void assertRejected(Path p, String message) {
        assertThatThrownBy(() -> GgufFile.open(p)).isInstanceOf(ModelFormatException.class).hasMessageContaining(message);
    }

    @Test
    void rejectsBadMagicVersionAndEmptyFiles() throws IOException {
        assertRejected(write(new byte[0]), "not a GGUF file");
        assertRejected(write("GGML-and-more".getBytes()), "not a GGUF file: magic");
        assertRejected(write(header(1, 0, 0)), "version 1 is unsupported");
        assertRejected(write(header(7, 0, 0)), "unsupported GGUF version 7");
        assertRejected(write(header(Integer.reverseBytes(3), 0, 0)), "big-endian");
        assertRejected(write(new byte[] {'G', 'G', 'U', 'F', 3, 0}), "truncated file: version");
    }

    @Test
    void readsVersion2() throws IOException {
        byte[] v3 = Files.readAllBytes(TestData.file("models/stories260K.gguf"));
        v3[4] = 2; // v2 and v3 share the little-endian layout (v3 only added big-endian files)
        try (GgufFile f = GgufFile.open(write(v3))) {
            assertThat(f.version()).isEqualTo(2);
            assertThat(f.tensors()).hasSize(48);
        }
    }

    @Test
    void missingFileIsAFormatError() {
        assertRejected(tmp.resolve("nope.gguf"), "cannot read");
        assertRejected(tmp, "cannot read");
    }

    @Test
    void rejectsAbsurdCountsAndLengths() throws IOException {
        assertRejected(write(header(3, Long.MAX_VALUE, 0)), "tensor count is 9223372036854775807");
        assertRejected(write(header(3, -1, 0)), "tensor count is 18446744073709551615");
        assertRejected(write(header(3, 0, 1_000_000)), "metadata key/value count is 1000000");
        ByteBuffer b = header(3, 0, 1);
        b.putLong(1L << 40).put(new byte[16]); // key length
        assertRejected(write(b), "past the end of the file");
        b = header(3, 0, 1);
        putString(b, "a");
        b.putInt(GgufValueType.ARRAY.id).putInt(GgufValueType.UINT32.id).putLong(1L << 50);
        assertRejected(write(b), "length of array 'a' is 1125899906842624");
        b = header(3, 0, 1);
        putString(b, "a");
        b.putInt(99);
        assertRejected(write(b), "unknown value type id 99");
    }

    @Test
    void rejectsDeeplyNestedArraysWithoutStackOverflow() throws IOException {
        ByteBuffer b = header(3, 0, 1);
        putString(b, "deep");
        b.putInt(GgufValueType.ARRAY.id);
        for (int i = 0; i < 200; i++) b.putInt(GgufValueType.ARRAY.id).putLong(1);
        b.putInt(GgufValueType.UINT8.id).putLong(1).put((byte) 1);
        assertRejected(write(b), "nests arrays deeper");
    }

    @Test
    void rejectsBadTensorInfos() throws IOException {
        assertRejected(write(tensorFile(3, 99, 0, 16, 16)), "unknown tensor type id 99");
        assertRejected(write(tensorFile(3, GgmlType.Q4_0.id, 0, 16, 16)), "not a multiple of its block size 32");
        assertRejected(write(tensorFile(3, GgmlType.F32.id, 4, 8, 32)), "not a multiple of the alignment 32");
        assertRejected(write(tensorFile(3, GgmlType.F32.id, 0, 64, 32)), "extends past the end of the file");
        assertRejected(write(tensorFile(3, GgmlType.F32.id, 0, 1L << 62, 32)), "overflows");
        assertRejected(write(tensorFile(5, GgmlType.F32.id, 0, 1, 32)), "has 5 dimensions");
        // dimension with the sign bit set
        assertRejected(write(tensorFile(1, GgmlType.F32.id, 0, -4, 32)), "out of range");
        // known but unsupported type: readable
        try (GgufFile f = GgufFile.open(write(tensorFile(1, GgmlType.Q2_K.id, 0, 256, 84)))) {
            assertThat(f.tensors().getFirst().type()).isEqualTo(GgmlType.Q2_K);
            assertThat(f.tensors().getFirst().type().supported).isFalse();
        }
    }

    @Test
    void rejectsDuplicatesAndOverlaps() throws IOException {
        assertRejected(write(twoTensors("a", 0, "a", 32)), "duplicate tensor name 'a'");
        assertRejected(write(twoTensors("a", 0, "b", 0)), "overlap");
        try (GgufFile f = GgufFile.open(write(twoTensors("a", 32, "b", 0)))) {
            assertThat(f.tensors()).extracting(Tensor::name).containsExactly("a", "b");
        }
        ByteBuffer b = header(3, 0, 2);
        putString(b, "k");
        b.putInt(GgufValueType.BOOL.id).put((byte) 1);
        putString(b, "k");
        b.putInt(GgufValueType.BOOL.id).put((byte) 1);
        assertRejected(write(b), "duplicate metadata key 'k'");
    }

    @Test
    void rejectsBadAlignmentAndTruncatedData() throws IOException {
        ByteBuffer b = header(3, 0, 1);
        putString(b, "general.alignment");
        b.putInt(GgufValueType.UINT32.id).putInt(24);
        assertRejected(write(b), "general.alignment must be a power of two");
        b = header(3, 0, 1);
        putString(b, "general.alignment");
        b.putInt(GgufValueType.STRING.id);
        putString(b, "32");
        assertRejected(write(b), "general.alignment must be a power of two");
        // header claims a tensor but the file ends right after its info
        ByteBuffer t = header(3, 1, 0);
        putString(t, "w");
        t.putInt(1).putLong(8).putInt(GgmlType.F32.id).putLong(0);
        assertRejected(write(t), "the file has only");
    }

    /** One tensor "w" of {@code nDims} dims (ne[0] = ne0, others 1) and {@code dataBytes} bytes of data. */
    private static ByteBuffer tensorFile(int nDims, int type, long offset, long ne0, int dataBytes) {
        ByteBuffer b = header(3, 1, 0);
        putString(b, "w");
        b.putInt(nDims);
        for (int d = 0; d < nDims; d++) b.putLong(d == 0 ? ne0 : 1);
        b.putInt(type).putLong(offset);
        while (b.position() % 32 != 0) b.put((byte) 0);
        b.put(new byte[dataBytes]);
        return b;
    }

    private static ByteBuffer twoTensors(String n1, long off1, String n2, long off2) {
        ByteBuffer b = header(3, 2, 0);
        putString(b, n1);
        b.putInt(1).putLong(8).putInt(GgmlType.F32.id).putLong(off1);
        putString(b, n2);
        b.putInt(1).putLong(8).putInt(GgmlType.F32.id).putLong(off2);
        while (b.position() % 32 != 0) b.put((byte) 0);
        b.put(new byte[64]);
        return b;
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.putLong(bytes.length).put(bytes);
    }
}
