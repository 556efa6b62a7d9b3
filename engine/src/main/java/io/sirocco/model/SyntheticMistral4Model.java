package io.sirocco.model;

import io.sirocco.format.gguf.GgufValueType;
import io.sirocco.format.gguf.GgufWriter;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.kernel.Quantizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a Mistral-Small-4-shaped GGUF (arch {@code mistral4}, keys and tensor layout as llama.cpp's converter writes
 * them; testdata mistral-small4 README §4) with random weights: MLA attention, stacked routed experts with gate and up
 * fused, a shared expert. With the real layer shapes and a few layers it measures per-layer decode cost on any machine
 * (the real 36 layers at 4 bits are ~65 GB). Sibling of {@link SyntheticModel} (dense).
 */
public final class SyntheticMistral4Model {
    private SyntheticMistral4Model() {}

    /**
     * @param matrixType  type of the attention and expert matrices (llama-quantize keeps attn_k_b/attn_v_b at F16 and
     *                    the router at F32; so does this writer)
     * @param outputType  type of token_embd and output
     */
    public record Spec(int dim, int layers, int heads, int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim,
                       int experts, int expertsPerToken, int expertHidden, int sharedExperts, GgmlType matrixType, GgmlType outputType,
                       long seed, String name) {

        /** Mistral Small 4's shapes (spec §5.2) with {@code layers} layers. */
        public static Spec mistralSmall4(int layers, GgmlType type, GgmlType outputType) {
            return new Spec(4096, layers, 32, 1024, 256, 64, 64, 128, 128, 4, 2048, 1, type, outputType, 4,
                    "synthetic Mistral-Small-4 shapes (" + layers + " layers, random weights)");
        }

        /** A small model of the same structure whose rows suit every block type (multiples of 256). */
        public static Spec tiny(GgmlType type) {
            return new Spec(256, 2, 8, 256, 32, 16, 16, 32, 16, 4, 256, 1, type, type, 7, "synthetic Mistral-Small-4 tiny");
        }

        int qkHeadDim() {
            return qkNopeHeadDim + qkRopeHeadDim;
        }
    }

    /** Writes the model to {@code file}; the vocabulary is the tokenizer's (GGUF keys of {@code TekkenGgufVocabulary}). */
    public static void write(Path file, Spec s, Map<String, Object> tokenizer) {
        int vocab = ((List<?>) tokenizer.get("tokenizer.ggml.tokens")).size();
        GgufWriter w = new GgufWriter();
        String a = "mistral4.";
        w.putString("general.architecture", "mistral4").putString("general.name", s.name())
                .putUInt32(a + "block_count", s.layers()).putUInt32(a + "context_length", 1048576).putUInt32(a + "embedding_length", s.dim())
                .putUInt32(a + "feed_forward_length", 3L * s.expertHidden()).putUInt32(a + "attention.head_count", s.heads())
                .putUInt32(a + "attention.head_count_kv", 1)
                .putString(a + "rope.scaling.type", "yarn").putFloat32(a + "rope.scaling.factor", 128f)
                .putUInt32(a + "rope.scaling.original_context_length", 8192).putFloat32(a + "rope.scaling.yarn_beta_fast", 32f)
                .putFloat32(a + "rope.scaling.yarn_beta_slow", 1f).putFloat32(a + "rope.freq_base", 10000f)
                .putFloat32(a + "attention.layer_norm_rms_epsilon", 1e-6f)
                .putUInt32(a + "expert_count", s.experts()).putUInt32(a + "expert_used_count", s.expertsPerToken())
                .putUInt32(a + "expert_group_count", 1).putUInt32(a + "expert_group_used_count", 1)
                .putUInt32(a + "leading_dense_block_count", 0).putUInt32(a + "vocab_size", vocab)
                .putUInt32(a + "attention.q_lora_rank", s.qLoraRank()).putUInt32(a + "attention.kv_lora_rank", s.kvLoraRank())
                // llama.cpp's absorbed heads: key = [latent ‖ rope], value = latent; the model's own sizes are the *_mla keys.
                .putUInt32(a + "attention.key_length", s.kvLoraRank() + s.qkRopeHeadDim()).putUInt32(a + "attention.value_length", s.kvLoraRank())
                .putUInt32(a + "attention.key_length_mla", s.qkHeadDim()).putUInt32(a + "attention.value_length_mla", s.vHeadDim())
                .putUInt32(a + "expert_feed_forward_length", s.expertHidden()).putUInt32(a + "expert_shared_count", s.sharedExperts())
                .putFloat32(a + "expert_weights_scale", 1f).putBool(a + "expert_weights_norm", true)
                .putUInt32(a + "rope.dimension_count", s.qkRopeHeadDim()).putFloat32(a + "rope.scaling.yarn_log_multiplier", 0.1f)
                .putFloat32(a + "attention.temperature_scale", 0.1f).putUInt32(a + "attention.temperature_length", 8192);
        SyntheticModel.putTokenizer(w, tokenizer);
        w.putUInt32("general.quantization_version", 2).putUInt32("general.file_type", fileType(s.matrixType()));

        Path scratch = file.resolveSibling(file.getFileName() + ".scratch");
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(scratch, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.DELETE_ON_CLOSE)) {
            Data d = new Data(new SplittableRandom(s.seed()), ch, arena);
            GgmlType m = s.matrixType();
            int H = s.heads(), lat = s.kvLoraRank(), E = s.experts(), hid = s.expertHidden(), dim = s.dim();
            w.addTensor("output.weight", s.outputType(), new long[] {vocab, dim}, d.random(s.outputType(), vocab, dim, 0));
            w.addTensor("output_norm.weight", GgmlType.F32, new long[] {dim}, d.norm(dim));
            w.addTensor("token_embd.weight", s.outputType(), new long[] {vocab, dim}, d.random(s.outputType(), vocab, dim, 1f));
            for (int l = 0; l < s.layers(); l++) {
                String p = "blk." + l + ".";
                w.addTensor(p + "attn_k_b.weight", GgmlType.F16, new long[] {H, lat, s.qkNopeHeadDim()},
                        d.random(GgmlType.F16, H * lat, s.qkNopeHeadDim(), (float) (1 / Math.sqrt(lat))));
                w.addTensor(p + "attn_kv_a_mqa.weight", m, new long[] {lat + s.qkRopeHeadDim(), dim}, d.random(m, lat + s.qkRopeHeadDim(), dim, 0));
                w.addTensor(p + "attn_kv_a_norm.weight", GgmlType.F32, new long[] {lat}, d.norm(lat));
                w.addTensor(p + "attn_norm.weight", GgmlType.F32, new long[] {dim}, d.norm(dim));
                w.addTensor(p + "attn_output.weight", m, new long[] {dim, (long) H * s.vHeadDim()}, d.random(m, dim, H * s.vHeadDim(), 0));
                w.addTensor(p + "attn_q_a.weight", m, new long[] {s.qLoraRank(), dim}, d.random(m, s.qLoraRank(), dim, 0));
                w.addTensor(p + "attn_q_a_norm.weight", GgmlType.F32, new long[] {s.qLoraRank()}, d.norm(s.qLoraRank()));
                w.addTensor(p + "attn_q_b.weight", m, new long[] {(long) H * s.qkHeadDim(), s.qLoraRank()}, d.random(m, H * s.qkHeadDim(), s.qLoraRank(), 0));
                w.addTensor(p + "attn_v_b.weight", GgmlType.F16, new long[] {H, s.vHeadDim(), lat}, d.random(GgmlType.F16, H * s.vHeadDim(), lat, 0));
                w.addTensor(p + "ffn_down_exps.weight", m, new long[] {E, dim, hid}, d.random(m, E * dim, hid, 0));
                w.addTensor(p + "ffn_down_shexp.weight", m, new long[] {dim, hid}, d.random(m, dim, hid, 0));
                w.addTensor(p + "ffn_gate_inp.weight", GgmlType.F32, new long[] {E, dim}, d.random(GgmlType.F32, E, dim, 0));
                w.addTensor(p + "ffn_gate_shexp.weight", m, new long[] {hid, dim}, d.random(m, hid, dim, 0));
                w.addTensor(p + "ffn_gate_up_exps.weight", m, new long[] {E, 2L * hid, dim}, d.random(m, E * 2 * hid, dim, 0));
                w.addTensor(p + "ffn_norm.weight", GgmlType.F32, new long[] {dim}, d.norm(dim));
                w.addTensor(p + "ffn_up_shexp.weight", m, new long[] {hid, dim}, d.random(m, hid, dim, 0));
            }
            w.write(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** llama.cpp's general.file_type for a model whose matrices are of this type. */
    static int fileType(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q5_0 -> 8;
            case Q4_K -> 14;  // MOSTLY_Q4_K_S: every matrix Q4_K
            case Q5_K -> 16;  // MOSTLY_Q5_K_S
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no llama.cpp file type for " + t);
        };
    }

    /**
     * Tensor data, mapped from a scratch file so that a multi-GB model is not held in RAM while written. Big tensors
     * draw each row from a pool of quantized random rows: quantizing billions of values (Q4_K searches its scales)
     * would take minutes, and a decode benchmark only needs realistic values at distinct addresses.
     */
    private static final class Data {
        private static final int POOL_ROWS = 512;
        private final SplittableRandom rnd;
        private final FileChannel ch;
        private final Arena arena;
        private long offset;

        Data(SplittableRandom rnd, FileChannel ch, Arena arena) {
            this.rnd = rnd;
            this.ch = ch;
            this.arena = arena;
        }

        private MemorySegment allocate(long bytes) {
            try {
                MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, offset, bytes, arena);
                offset += (bytes + 4095) / 4096 * 4096;
                return seg;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Uniform values with std 1/√cols (or {@code std} when given), quantized row by row. */
        MemorySegment random(GgmlType type, long rows, int cols, float std) {
            float a = (float) ((std > 0 ? std : 1 / Math.sqrt(cols)) * Math.sqrt(3));
            long rowBytes = type.byteSize(cols);
            MemorySegment seg = allocate(rowBytes * rows);
            long own = Math.min(rows, POOL_ROWS);
            float[] row = new float[cols];
            for (long r = 0; r < own; r++) {
                for (int c = 0; c < cols; c++) row[c] = (float) ((rnd.nextDouble() * 2 - 1) * a);
                Quantizer.quantizeRow(type, row, 0, cols, seg, r * rowBytes);
            }
            for (long r = own; r < rows; r++) MemorySegment.copy(seg, rnd.nextLong(own) * rowBytes, seg, r * rowBytes, rowBytes);
            return seg;
        }

        MemorySegment norm(int n) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) (1 + (rnd.nextDouble() - 0.5) * 0.2);
            MemorySegment seg = allocate(4L * n);
            Quantizer.quantizeRow(GgmlType.F32, v, 0, n, seg, 0);
            return seg;
        }
    }
}
