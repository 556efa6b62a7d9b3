package io.sirocco.model;

import io.sirocco.format.ModelFormatException;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds and checks Mistral Small 4 tensors in native files (one tensor per expert, wkv_b whole), a GGUF of arch
 * {@code mistral4} (stacked expert tensors, gate and up fused, wkv_b split into attn_k_b transposed and attn_v_b;
 * testdata mistral-small4 README §4.2) or the Hugging Face layout (spec §5.3: native matrices renamed, experts stacked
 * as {@code mlp.experts.gate_up_proj} (experts, 2·hidden, dim) and {@code down_proj} (experts, dim, hidden)).
 * Expert matrices become row-slice views of the file: nothing is copied.
 */
final class Mistral4Loader {
    enum Layout { NATIVE, GGUF, HF }

    /** Text-model prefixes of transformers: Mistral3ForConditionalGeneration (the release), then Mistral4ForCausalLM. */
    private static final List<String> HF_PREFIXES = List.of("model.language_model.", "model.");

    private final TensorSource src;
    private final WeightCheck check;
    private final Layout layout;
    private final boolean gguf;
    private final String hfPrefix;
    private final ModelConfig c;
    private final Mistral4Params.Mla mla;
    private final Mistral4Params.Moe moe;

    Mistral4Loader(TensorSource src, Layout layout, ModelConfig config) {
        this.src = src;
        this.check = new WeightCheck(src);
        this.layout = layout;
        this.gguf = layout == Layout.GGUF;
        this.c = config;
        this.mla = config.mistral4().mla();
        this.moe = config.mistral4().moe();
        this.hfPrefix = layout != Layout.HF ? "" : HF_PREFIXES.stream().filter(p -> src.find(p + "embed_tokens.weight").isPresent())
                .findFirst().orElseThrow(() -> new ModelFormatException(src.origin(), "missing tensor " + HF_PREFIXES.getFirst()
                        + "embed_tokens.weight (also tried " + HF_PREFIXES.get(1) + "embed_tokens.weight; Mistral 4, Hugging Face layout)"));
    }

    Mistral4Weights load() {
        int dim = c.dim(), heads = c.nHeads(), qk = mla.qkHeadDim(), lat = mla.kvLoraRank();
        Tensor emb = matrix(global("token_embd", "tok_embeddings", "embed_tokens"), -1, dim);
        List<Mistral4Weights.Layer> layers = new ArrayList<>(c.nLayers());
        for (int l = 0; l < c.nLayers(); l++) {
            float[] wUk = new float[heads * mla.qkNopeHeadDim() * lat];
            float[] wUv = new float[heads * mla.vHeadDim() * lat];
            if (gguf) latentUpGguf(l, wUk, wUv);
            else latentUpNative(name(l, null, "attention.wkv_b", "self_attn.kv_b_proj"), wUk, wUv);
            layers.add(new Mistral4Weights.Layer(
                    vector(name(l, "attn_norm", "attention_norm", "input_layernorm"), dim),
                    matrix(name(l, "attn_q_a", "attention.wq_a", "self_attn.q_a_proj"), mla.qLoraRank(), dim),
                    vector(name(l, "attn_q_a_norm", "attention.q_a_norm", "self_attn.q_a_layernorm"), mla.qLoraRank()),
                    matrix(name(l, "attn_q_b", "attention.wq_b", "self_attn.q_b_proj"), (long) heads * qk, mla.qLoraRank()),
                    matrix(name(l, "attn_kv_a_mqa", "attention.wkv_a_with_mqa", "self_attn.kv_a_proj_with_mqa"), lat + mla.qkRopeHeadDim(), dim),
                    vector(name(l, "attn_kv_a_norm", "attention.kv_a_norm", "self_attn.kv_a_layernorm"), lat),
                    wUk, wUv,
                    matrix(name(l, "attn_output", "attention.wo", "self_attn.o_proj"), dim, (long) heads * mla.vHeadDim()),
                    vector(name(l, "ffn_norm", "ffn_norm", "post_attention_layernorm"), dim),
                    matrix(name(l, "ffn_gate_inp", "gate", "mlp.gate"), moe.numExperts(), dim),
                    switch (layout) {
                        case NATIVE -> expertsNative(l);
                        case GGUF -> expertsStacked(ggufName(l, "ffn_gate_up_exps"), ggufName(l, "ffn_down_exps"));
                        case HF -> expertsStacked(hfName(l, "mlp.experts.gate_up_proj"), hfName(l, "mlp.experts.down_proj"));
                    },
                    moe.numSharedExperts() == 0 ? null : shared(l)));
        }
        float[] norm = vector(global("output_norm", "norm", "norm"), dim);
        String out = layout == Layout.HF ? "lm_head.weight" : "output.weight";
        Tensor output = c.tiedEmbeddings() && src.find(out).isEmpty() ? emb : matrix(out, emb.rows(), dim);
        return new Mistral4Weights(emb, List.copyOf(layers), norm, output);
    }

    /** A layer tensor present in every layout under these names (without the ".weight"). */
    private String name(int l, String ggufName, String nativeName, String hfName) {
        return switch (layout) {
            case GGUF -> ggufName(l, ggufName);
            case NATIVE -> nativeName(l, nativeName);
            case HF -> hfName(l, hfName) + ".weight";
        };
    }

    private String global(String ggufName, String nativeName, String hfName) {
        return switch (layout) {
            case GGUF -> ggufName;
            case NATIVE -> nativeName;
            case HF -> hfPrefix + hfName;
        } + ".weight";
    }

    /** HF layer tensor name; the stacked expert tensors are parameters without a ".weight" suffix. */
    private String hfName(int l, String n) {
        return hfPrefix + "layers." + l + "." + n;
    }

    private static String ggufName(int l, String n) {
        return "blk." + l + "." + n + ".weight";
    }

    private static String nativeName(int l, String n) {
        return "layers." + l + "." + n + ".weight";
    }

    /** wkv_b / kv_b_proj (nHeads·(nope + v), kvLora): per head nope rows of W_uk then v rows of W_uv. */
    private void latentUpNative(String name, float[] wUk, float[] wUv) {
        int nope = mla.qkNopeHeadDim(), v = mla.vHeadDim(), lat = mla.kvLoraRank();
        Tensor t = matrix(name, (long) c.nHeads() * (nope + v), lat);
        for (int h = 0; h < c.nHeads(); h++) {
            for (int r = 0; r < nope; r++) Kernels.dequantizeRow(t, (long) h * (nope + v) + r, wUk, (h * nope + r) * lat);
            for (int r = 0; r < v; r++) Kernels.dequantizeRow(t, (long) h * (nope + v) + nope + r, wUv, (h * v + r) * lat);
        }
    }

    /** attn_k_b (nHeads, kvLora, nope) holds W_uk transposed per head; attn_v_b (nHeads, v, kvLora) holds W_uv. */
    private void latentUpGguf(int l, float[] wUk, float[] wUv) {
        int nope = mla.qkNopeHeadDim(), v = mla.vHeadDim(), lat = mla.kvLoraRank();
        Tensor kb = stacked(ggufName(l, "attn_k_b"), c.nHeads(), lat, nope);
        float[] row = new float[nope];
        for (int h = 0; h < c.nHeads(); h++) {
            for (int j = 0; j < lat; j++) {
                Kernels.dequantizeRow(kb, (long) h * lat + j, row, 0);
                for (int n = 0; n < nope; n++) wUk[(h * nope + n) * lat + j] = row[n];
            }
        }
        Tensor vb = stacked(ggufName(l, "attn_v_b"), c.nHeads(), v, lat);
        for (long r = 0; r < (long) c.nHeads() * v; r++) Kernels.dequantizeRow(vb, r, wUv, (int) r * lat);
    }

    private List<Mistral4Weights.Expert> expertsNative(int l) {
        int dim = c.dim(), hid = moe.expertHiddenDim();
        List<Mistral4Weights.Expert> out = new ArrayList<>(moe.numExperts());
        for (int e = 0; e < moe.numExperts(); e++) {
            String p = "experts." + e + ".";
            out.add(new Mistral4Weights.Expert(matrix(nativeName(l, p + "w1"), hid, dim), matrix(nativeName(l, p + "w2"), dim, hid),
                    matrix(nativeName(l, p + "w3"), hid, dim)));
        }
        return List.copyOf(out);
    }

    /**
     * ffn_gate_up_exps / gate_up_proj (experts, 2·hidden, dim): per expert the gate rows (w1) then the up rows (w3);
     * ffn_down_exps / down_proj (experts, dim, hidden).
     */
    private List<Mistral4Weights.Expert> expertsStacked(String gateUpName, String downName) {
        int dim = c.dim(), hid = moe.expertHiddenDim(), n = moe.numExperts();
        Tensor gateUp = stacked(gateUpName, n, 2L * hid, dim);
        Tensor down = stacked(downName, n, dim, hid);
        List<Mistral4Weights.Expert> out = new ArrayList<>(n);
        for (int e = 0; e < n; e++) {
            out.add(new Mistral4Weights.Expert(rows(gateUp, (long) e * 2 * hid, hid, "." + e + ".gate"), rows(down, (long) e * dim, dim, "." + e),
                    rows(gateUp, (long) e * 2 * hid + hid, hid, "." + e + ".up")));
        }
        return List.copyOf(out);
    }

    private Mistral4Weights.Expert shared(int l) {
        int dim = c.dim(), hid = moe.expertHiddenDim();
        return new Mistral4Weights.Expert(matrix(name(l, "ffn_gate_shexp", "shared_experts.w1", "mlp.shared_experts.gate_proj"), hid, dim),
                matrix(name(l, "ffn_down_shexp", "shared_experts.w2", "mlp.shared_experts.down_proj"), dim, hid),
                matrix(name(l, "ffn_up_shexp", "shared_experts.w3", "mlp.shared_experts.up_proj"), hid, dim));
    }

    /** Rows [first, first + count) of a tensor seen as a matrix, as a [count, cols] view of the same bytes. */
    static Tensor rows(Tensor t, long first, long count, String suffix) {
        return rows(t, first, count, t.name() + suffix, new Tensor.Derived());
    }

    /**
     * As {@link #rows} for a view taken per call (a thread's share of an expert's rows at decode): marked so that
     * kernels build no derived form for it (int8 decode would repack it on every call); it stays on the float path.
     */
    static Tensor rowView(Tensor t, long first, long count) {
        return rows(t, first, count, t.name(), Tensor.Derived.NONE);
    }

    private static Tensor rows(Tensor t, long first, long count, String name, Tensor.Derived derived) {
        long rb = t.rowBytes();
        return new Tensor(name, t.type(), new long[] {count, t.cols()}, t.data().asSlice(first * rb, count * rb), derived);
    }

    private Tensor require(String name) {
        Optional<Tensor> t = src.find(name);
        return t.orElseThrow(() -> new ModelFormatException(src.origin(), "missing tensor " + name + " (Mistral 4, "
                + switch (layout) {
                    case GGUF -> "GGUF mistral4";
                    case NATIVE -> "native";
                    case HF -> "Hugging Face";
                } + " layout)"));
    }

    /** A 3-D tensor [a, b, cols] (the slowest dimension first). */
    private Tensor stacked(String name, long a, long b, long cols) {
        return check.stacked(require(name), a, b, cols, c);
    }

    /** A [rows, cols] matrix; rows = -1 accepts any row count. */
    private Tensor matrix(String name, long rows, long cols) {
        return check.matrix(require(name), rows, cols, c);
    }

    private float[] vector(String name, int n) {
        return check.vector(require(name), n);
    }
}
