package io.sirocco.format.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sirocco.format.ModelFormatException;
import io.sirocco.format.gguf.GgufFile;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import io.sirocco.testing.TestData;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    @Test
    void readsMistralTinyNative() {
        try (SafeTensors st = SafeTensors.open(TestData.file("mistral-tiny/native/consolidated.safetensors"))) {
            assertThat(st.metadata()).containsEntry("format", "pt");
            assertThat(st.infos()).hasSize(21);
            assertThat(st.tensors()).hasSize(21).allSatisfy(t -> assertThat(t.type()).isEqualTo(GgmlType.BF16));
            assertThat(st.tensor("tok_embeddings.weight").orElseThrow().shape()).containsExactly(8192, 64);
            assertThat(st.tensor("layers.1.attention.wq.weight").orElseThrow().shape()).containsExactly(128, 64);
            assertThat(st.tensor("layers.1.attention.wo.weight").orElseThrow().shape()).containsExactly(64, 128);
            assertThat(st.tensor("layers.0.feed_forward.w2.weight").orElseThrow().shape()).containsExactly(64, 192);
            assertThat(st.tensor("norm.weight").orElseThrow().shape()).containsExactly(64);
            assertThat(st.tensor("output.weight").orElseThrow().data().byteSize()).isEqualTo(8192L * 64 * 2);
            assertThat(st.tensor("missing")).isEmpty();
            assertThat(st.info("norm.weight").orElseThrow().supported()).isTrue();
        }
    }

    @Test
    void nativeAndGgufHoldTheSameBf16Bytes() {
        try (SafeTensors st = SafeTensors.open(TestData.file("mistral-tiny/native/consolidated.safetensors"));
             GgufFile gguf = GgufFile.open(TestData.file("mistral-tiny/gguf/synth-mistral-small-3.2-tiny-llama-BF16.gguf"))) {
            for (var pair : List.of(List.of("tok_embeddings.weight", "token_embd.weight"), List.of("layers.1.feed_forward.w2.weight", "blk.1.ffn_down.weight"),
                    List.of("output.weight", "output.weight"), List.of("layers.0.attention.wq.weight", "blk.0.attn_q.weight"))) {
                Tensor a = st.tensor(pair.get(0)).orElseThrow(), b = gguf.tensor(pair.get(1)).orElseThrow();
                assertThat(a.shape()).isEqualTo(b.shape());
                assertThat(a.data().mismatch(b.data())).isEqualTo(-1);
            }
        }
    }

    @Test
    void readsHfVisionAndSmall4() {
        try (SafeTensors st = SafeTensors.open(TestData.file("mistral-tiny/hf/model.safetensors"))) {
            assertThat(st.tensors()).hasSize(21);
            assertThat(st.tensor("model.embed_tokens.weight").orElseThrow().shape()).containsExactly(8192, 64);
            assertThat(st.tensor("lm_head.weight").orElseThrow().shape()).containsExactly(8192, 64);
            assertThat(st.tensor("model.layers.0.self_attn.q_proj.weight").orElseThrow().shape()).containsExactly(128, 64);
            assertThat(st.tensor("model.layers.1.mlp.down_proj.weight").orElseThrow().shape()).containsExactly(64, 192);
        }
        try (SafeTensors st = SafeTensors.open(TestData.file("vision/model/consolidated.safetensors"))) {
            assertThat(st.metadata()).isEmpty();
            assertThat(st.tensors()).hasSize(45);
            assertThat(st.tensor("vision_encoder.patch_conv.weight").orElseThrow().shape()).containsExactly(64, 3, 14, 14);
            assertThat(st.tensor("patch_merger.merging_layer.weight").orElseThrow().shape()).containsExactly(64, 256);
            assertThat(st.tensor("vision_language_adapter.w_in.weight").orElseThrow().shape()).containsExactly(96, 64);
            assertThat(st.tensor("pre_mm_projector_norm.weight").orElseThrow().shape()).containsExactly(64);
        }
        try (SafeTensors st = SafeTensors.open(TestData.file("mistral-small4/native/consolidated.safetensors"))) {
            assertThat(st.tensors()).hasSize(797).allSatisfy(t -> assertThat(t.type()).isEqualTo(GgmlType.BF16));
            assertThat(st.tensor("layers.0.attention.wkv_a_with_mqa.weight").orElseThrow().shape()).containsExactly(32, 64);
        }
    }

    @Test
    void writerRoundTripsEveryDtypeAndFlagsUnsupportedOnes() {
        Path p = tmp.resolve("all.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt").metadata("note", "ünïcode");
        for (SafeTensorsDType d : SafeTensorsDType.values()) {
            long n = 8; // 8 elements: a whole number of bytes for every bit width
            byte[] data = new byte[(int) (n * d.bits / 8)];
            for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7 + d.ordinal());
            w.add("t." + d, d, new long[] {2, 4}, data);
        }
        w.add("scalar", SafeTensorsDType.F32, new long[] {}, new byte[4]);
        w.add("empty", SafeTensorsDType.BF16, new long[] {0, 3}, new byte[0]);
        w.write(p);
        try (SafeTensors st = SafeTensors.open(p)) {
            assertThat(st.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("note", "ünïcode"));
            assertThat(st.infos()).hasSize(SafeTensorsDType.values().length + 2);
            for (SafeTensorsDType d : SafeTensorsDType.values()) {
                SafeTensorInfo info = st.info("t." + d).orElseThrow();
                assertThat(info.dtype()).isEqualTo(d);
                assertThat(info.shape()).containsExactly(2, 4);
                assertThat(info.byteSize()).isEqualTo(d.bits);
                if (d.ggmlType().isPresent()) {
                    Tensor t = st.tensor("t." + d).orElseThrow();
                    assertThat(t.type()).isEqualTo(d.ggmlType().get());
                    assertThat(t.data().get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) (7 + d.ordinal()));
                } else {
                    assertThat(info.supported()).isFalse();
                    assertThatThrownBy(() -> st.tensor("t." + d)).isInstanceOf(ModelFormatException.class)
                            .hasMessageContaining("dtype " + d).hasMessageContaining("cannot use");
                }
            }
            assertThat(st.info("t.BF16").orElseThrow().supported()).isTrue();
            assertThat(st.info("t.I64").orElseThrow().supported()).isFalse(); // GGML has the type, Sirocco no kernel
            assertThat(st.tensors()).extracting(Tensor::name).contains("t.F32", "t.F16", "t.BF16", "t.I64", "scalar", "empty")
                    .doesNotContain("t.F8_E4M3", "t.U8");
            assertThat(st.tensor("scalar").orElseThrow().shape()).isEmpty();
        }
    }

    @Test
    void shardedIndexOpensEveryShard() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("sharded"));
        Map<String, String> weightMap = new LinkedHashMap<>();
        try (SafeTensors src = SafeTensors.open(TestData.file("mistral-tiny/native/consolidated.safetensors"))) {
            SafeTensorsWriter a = new SafeTensorsWriter().metadata("format", "pt"), b = new SafeTensorsWriter().metadata("format", "pt");
            int i = 0;
            for (Tensor t : src.tensors()) {
                String shard = i++ % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
                (shard.contains("00001-") ? a : b).add(t);
                weightMap.put(t.name(), shard);
            }
            a.write(dir.resolve("model-00001-of-00002.safetensors"));
            b.write(dir.resolve("model-00002-of-00002.safetensors"));
            SafeTensorsWriter.writeIndex(dir.resolve("model.safetensors.index.json"), weightMap, Map.of("total_size", 2343552));
            try (SafeTensors st = SafeTensors.open(dir.resolve("model.safetensors.index.json"))) {
                assertThat(st.files()).hasSize(2);
                assertThat(st.metadata()).containsEntry("total_size", "2343552").containsEntry("format", "pt");
                assertThat(st.tensors()).hasSize(21);
                for (Tensor t : src.tensors()) {
                    Tensor u = st.tensor(t.name()).orElseThrow();
                    assertThat(u.shape()).isEqualTo(t.shape());
                    assertThat(u.data().mismatch(t.data())).isEqualTo(-1);
                }
            }
            // A weight_map pointing to the wrong shard, a missing shard, a file outside the folder.
            String first = weightMap.keySet().iterator().next();
            Map<String, String> wrong = new LinkedHashMap<>(weightMap);
            wrong.put(first, "model-00002-of-00002.safetensors");
            SafeTensorsWriter.writeIndex(dir.resolve("wrong.index.json"), wrong, Map.of());
            assertThatThrownBy(() -> SafeTensors.open(dir.resolve("wrong.index.json")))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("is not in its shard");
            wrong.put(first, "model-00003-of-00002.safetensors");
            SafeTensorsWriter.writeIndex(dir.resolve("missing.index.json"), wrong, Map.of());
            assertThatThrownBy(() -> SafeTensors.open(dir.resolve("missing.index.json")))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("does not exist");
            wrong.put(first, "../../etc/passwd");
            SafeTensorsWriter.writeIndex(dir.resolve("escape.index.json"), wrong, Map.of());
            assertThatThrownBy(() -> SafeTensors.open(dir.resolve("escape.index.json")))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("outside the index's folder");
            Files.writeString(dir.resolve("broken.index.json"), "{\"weight_map\": {");
            assertThatThrownBy(() -> SafeTensors.open(dir.resolve("broken.index.json")))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("malformed index JSON");
            // The same tensor in two shards
            a.write(dir.resolve("model-00002-of-00002.safetensors"));
            assertThatThrownBy(() -> SafeTensors.open(dir.resolve("model.safetensors.index.json")))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("is in two shards");
        }
    }

    // ---- broken headers ----

    private Path file(String json, int dataBytes) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return raw(h.length, h, dataBytes);
    }

    private Path raw(long headerSize, byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerSize).put(header);
        Path p = Files.createTempFile(tmp, "bad", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private void assertRejected(Path p, String message) {
        assertThatThrownBy(() -> SafeTensors.open(p)).isInstanceOf(ModelFormatException.class).hasMessageContaining(message);
    }

    @Test
    void rejectsBrokenHeaders() throws IOException {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        try (SafeTensors st = SafeTensors.open(file(ok, 8))) {
            assertThat(st.tensors()).hasSize(1);
        }
        Path empty = Files.createTempFile(tmp, "empty", ".safetensors");
        assertRejected(empty, "only 0 bytes");
        assertRejected(raw(1000, ok.getBytes(), 8), "header size 1000 is larger than the file");
        assertRejected(raw(-1, ok.getBytes(), 8), "header size 18446744073709551615 is larger than the file");
        assertRejected(file("[1, 2, 3]", 0), "does not start with '{'");
        assertRejected(file("{\"a\": ", 0), "malformed header JSON");
        assertRejected(file(ok + "}", 8), "malformed header JSON");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                "malformed header JSON");
        assertRejected(file(ok, 4), "out of range");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 12), "takes 12 bytes but data_offsets span 8");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), "out of range");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "tensors 'a' and 'b' overlap");
        assertRejected(file("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unknown dtype 'Q4'");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "must be a non-negative integer");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8), "must be a non-negative integer");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8), "must be a non-negative integer");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8), "overflows");
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "data_offsets must be an array");
        assertRejected(file("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "missing or non-string dtype");
        assertRejected(file("{\"a\":5}", 8), "entry is not a JSON object");
        assertRejected(file("{\"__metadata__\":{\"k\":1}}", 0), "is not a string");
        assertRejected(file("{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,1]}}", 8), "takes 12 bits");
        // header padded with spaces, as the reference writer does
        try (SafeTensors st = SafeTensors.open(file(ok + "      ", 8))) {
            assertThat(st.tensor("a").orElseThrow().data().byteSize()).isEqualTo(8);
        }
    }

    @Test
    void closeUnmaps() {
        SafeTensors st = SafeTensors.open(TestData.file("mistral-tiny/hf/model.safetensors"));
        MemorySegment data = st.tensors().getFirst().data();
        st.close();
        st.close();
        assertThatThrownBy(() -> data.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }
}
