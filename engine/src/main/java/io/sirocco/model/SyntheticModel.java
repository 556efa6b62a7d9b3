package io.sirocco.model;

import io.sirocco.format.gguf.GgufValueType;
import io.sirocco.format.gguf.GgufWriter;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.kernel.Quantizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a dense Mistral-shaped GGUF with random weights in a chosen tensor type: the built-in demo model, and bench
 * models with the real layer shapes of Mistral Small 3.2 but fewer layers (so per-layer cost is real while the file fits).
 */
public final class SyntheticModel {
    private SyntheticModel() {}

    /**
     * @param matrixType type of the 2-D layer weights (norms are always F32)
     * @param outputType type of token_embd and output (llama.cpp's Q4_K_M keeps output at Q6_K, Q4_0 too)
     * @param quietSpecials zero the output rows of the 1000 special ids (the demo then prints text, not control tokens)
     */
    public record Spec(String arch, int dim, int layers, int heads, int kvHeads, int headDim, int hidden, double ropeTheta, int context,
                       GgmlType matrixType, GgmlType outputType, long seed, String name, boolean quietSpecials) {

        /** Mistral Small 3.2's text decoder shapes (spec §1.1) with {@code layers} layers. */
        public static Spec mistralSmall32(int layers, GgmlType type, GgmlType outputType) {
            return new Spec("llama", 5120, layers, 32, 8, 128, 32768, 1e9, 131072, type, outputType, 42,
                    "synthetic Mistral-Small-3.2 shapes (" + layers + " layers, random weights)", false);
        }

        /** The small demo model: runs anywhere in a blink. */
        public static Spec demo() {
            return new Spec("llama", 256, 4, 8, 2, 32, 768, 1e9, 4096, GgmlType.Q8_0, GgmlType.Q8_0, 20260322,
                    "Sirocco demo model (random weights)", true);
        }
    }

    /** Writes the model to {@code file} with the given GGUF tokenizer keys (see {@code TekkenGgufVocabulary}). */
    public static void write(Path file, Spec s, Map<String, Object> tokenizer) {
        List<?> tokens = (List<?>) tokenizer.get("tokenizer.ggml.tokens");
        int vocab = tokens.size();
        GgufWriter w = new GgufWriter();
        String a = s.arch() + ".";
        w.putString("general.architecture", s.arch()).putString("general.name", s.name())
                .putUInt32(a + "context_length", s.context()).putUInt32(a + "embedding_length", s.dim())
                .putUInt32(a + "feed_forward_length", s.hidden()).putUInt32(a + "block_count", s.layers())
                .putUInt32(a + "attention.head_count", s.heads()).putUInt32(a + "attention.head_count_kv", s.kvHeads())
                .putUInt32(a + "attention.key_length", s.headDim()).putUInt32(a + "attention.value_length", s.headDim())
                .putUInt32(a + "rope.dimension_count", s.headDim()).putFloat32(a + "rope.freq_base", (float) s.ropeTheta())
                .putFloat32(a + "attention.layer_norm_rms_epsilon", 1e-5f).putUInt32(a + "vocab_size", vocab);
        for (var e : tokenizer.entrySet()) {
            Object v = e.getValue();
            switch (v) {
                case String str -> w.putString(e.getKey(), str);
                case Boolean b -> w.putBool(e.getKey(), b);
                case Long l -> w.putUInt32(e.getKey(), l);
                case List<?> l when !l.isEmpty() && l.getFirst() instanceof Long -> w.putArray(e.getKey(), GgufValueType.INT32,
                        l.stream().map(x -> ((Long) x).intValue()).toList());
                case List<?> l -> w.putArray(e.getKey(), GgufValueType.STRING, l);
                default -> throw new IllegalArgumentException("tokenizer key " + e.getKey() + " has an unexpected value type");
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = new SplittableRandom(s.seed());
            int q = s.heads() * s.headDim(), kv = s.kvHeads() * s.headDim();
            w.addTensor("token_embd.weight", s.outputType(), new long[] {vocab, s.dim()}, random(rnd, s.outputType(), vocab, s.dim(), 1.0f, arena));
            for (int l = 0; l < s.layers(); l++) {
                String p = "blk." + l + ".";
                w.addTensor(p + "attn_norm.weight", GgmlType.F32, new long[] {s.dim()}, norm(rnd, s.dim(), arena));
                w.addTensor(p + "attn_q.weight", s.matrixType(), new long[] {q, s.dim()}, random(rnd, s.matrixType(), q, s.dim(), 0, arena));
                w.addTensor(p + "attn_k.weight", s.matrixType(), new long[] {kv, s.dim()}, random(rnd, s.matrixType(), kv, s.dim(), 0, arena));
                w.addTensor(p + "attn_v.weight", s.matrixType(), new long[] {kv, s.dim()}, random(rnd, s.matrixType(), kv, s.dim(), 0, arena));
                w.addTensor(p + "attn_output.weight", s.matrixType(), new long[] {s.dim(), q}, random(rnd, s.matrixType(), s.dim(), q, 0, arena));
                w.addTensor(p + "ffn_norm.weight", GgmlType.F32, new long[] {s.dim()}, norm(rnd, s.dim(), arena));
                w.addTensor(p + "ffn_gate.weight", s.matrixType(), new long[] {s.hidden(), s.dim()}, random(rnd, s.matrixType(), s.hidden(), s.dim(), 0, arena));
                w.addTensor(p + "ffn_up.weight", s.matrixType(), new long[] {s.hidden(), s.dim()}, random(rnd, s.matrixType(), s.hidden(), s.dim(), 0, arena));
                w.addTensor(p + "ffn_down.weight", s.matrixType(), new long[] {s.dim(), s.hidden()}, random(rnd, s.matrixType(), s.dim(), s.hidden(), 0, arena));
            }
            w.addTensor("output_norm.weight", GgmlType.F32, new long[] {s.dim()}, norm(rnd, s.dim(), arena));
            MemorySegment output = random(rnd, s.outputType(), vocab, s.dim(), 0, arena);
            if (s.quietSpecials()) quiet(output, s.outputType(), s.dim(), 1000);
            w.addTensor("output.weight", s.outputType(), new long[] {vocab, s.dim()}, output);
            w.write(file);
        }
    }

    /** Uniform values with std 1/sqrt(cols) (or {@code std} when given), quantized row by row. */
    private static MemorySegment random(SplittableRandom rnd, GgmlType type, int rows, int cols, float std, Arena arena) {
        float a = (float) ((std > 0 ? std : 1 / Math.sqrt(cols)) * Math.sqrt(3));
        long rowBytes = type.byteSize(cols);
        MemorySegment seg = arena.allocate(rowBytes * rows, 64);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) row[c] = (float) ((rnd.nextDouble() * 2 - 1) * a);
            Quantizer.quantizeRow(type, row, 0, cols, seg, r * rowBytes);
        }
        return seg;
    }

    /** Zeroes the output rows of the first {@code n} ids (special tokens) so a demo prints bytes rather than control tokens. */
    private static void quiet(MemorySegment output, GgmlType type, int cols, int n) {
        output.asSlice(0, type.byteSize(cols) * n).fill((byte) 0);
    }

    private static MemorySegment norm(SplittableRandom rnd, int n, Arena arena) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (1 + (rnd.nextDouble() - 0.5) * 0.2);
        MemorySegment seg = arena.allocate(4L * n, 64);
        Quantizer.quantizeRow(GgmlType.F32, v, 0, n, seg, 0);
        return seg;
    }
}
