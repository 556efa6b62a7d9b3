package io.sirocco.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** Builds a {@link ModelConfig} from each file format's description of the model. */
public final class ModelConfigs {
    private ModelConfigs() {}

    /** Native Mistral params.json (mistral-inference TransformerArgs); q/k rows in interleaved RoPE order. */
    public static ModelConfig fromParams(JsonNode p) {
        int dim = req(p, "dim").asInt();
        int nHeads = req(p, "n_heads").asInt();
        Architecture arch = p.has("q_lora_rank") || p.has("kv_lora_rank") ? Architecture.MISTRAL4 : Architecture.LLAMA;
        Mistral4Params m4 = arch == Architecture.MISTRAL4 ? mistral4FromParams(p) : null;
        return new ModelConfig(arch, dim, req(p, "n_layers").asInt(), nHeads, p.path("n_kv_heads").asInt(nHeads),
                p.path("head_dim").asInt(dim / nHeads), req(p, "hidden_dim").asInt(), req(p, "vocab_size").asInt(),
                (float) p.path("norm_eps").asDouble(1e-5),
                // mistral-inference falls back to 1e6 when rope_theta is null or absent.
                p.path("rope_theta").isNumber() ? p.get("rope_theta").asDouble() : 1e6, RopeStyle.INTERLEAVED,
                p.path("max_position_embeddings").asInt(0), p.path("tied_embeddings").asBoolean(false), 1, 2, m4);
    }

    /** The MLA, moe, yarn and llama_4_scaling blocks of a Mistral 4 params.json (spec §5.2). */
    private static Mistral4Params mistral4FromParams(JsonNode p) {
        var mla = new Mistral4Params.Mla(req(p, "q_lora_rank").asInt(), req(p, "kv_lora_rank").asInt(), req(p, "qk_nope_head_dim").asInt(),
                req(p, "qk_rope_head_dim").asInt(), req(p, "v_head_dim").asInt());
        JsonNode m = obj(p, "moe");
        if (m.path("num_expert_groups").asInt(1) != 1 || m.path("route_every_n").asInt(1) != 1)
            throw new IllegalArgumentException("moe: expert groups and route_every_n other than 1 are not supported");
        var moe = new Mistral4Params.Moe(req(m, "num_experts").asInt(), req(m, "num_experts_per_tok").asInt(), req(m, "expert_hidden_dim").asInt(),
                m.path("num_shared_experts").asInt(0), m.path("routed_scale").asDouble(1.0), true, m.path("first_k_dense_replace").asInt(0));
        JsonNode y = obj(p, "yarn");
        if (y.path("apply_scale").asBoolean(false))
            throw new IllegalArgumentException("yarn.apply_scale true is not supported (Mistral 4 has false)");
        var yarn = new Mistral4Params.Yarn(req(y, "factor").asDouble(), req(y, "original_max_position_embeddings").asInt(),
                y.path("beta").asDouble(32.0), y.path("alpha").asDouble(1.0));
        JsonNode l = p.get("llama_4_scaling");
        var l4 = l == null || l.isNull() ? null
                : new Mistral4Params.Llama4Scaling(req(l, "beta").asDouble(), req(l, "original_max_position_embeddings").asInt());
        return new Mistral4Params(mla, moe, yarn, l4);
    }

    private static JsonNode obj(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isObject()) throw new IllegalArgumentException("model config lacks the object '" + field + "'");
        return v;
    }

    /** Hugging Face config.json (MistralForCausalLM, LlamaForCausalLM, or the text_config of Mistral3ForConditionalGeneration). */
    public static ModelConfig fromHfConfig(JsonNode c) {
        JsonNode t = c.has("text_config") ? c.get("text_config") : c;
        if (t.path("model_type").asText("").equals("mistral4")) return fromMistral4HfConfig(c, t);
        int dim = req(t, "hidden_size").asInt();
        int nHeads = req(t, "num_attention_heads").asInt();
        int headDim = t.path("head_dim").isNumber() ? t.get("head_dim").asInt() : dim / nHeads;
        return new ModelConfig(Architecture.LLAMA, dim, req(t, "num_hidden_layers").asInt(), nHeads,
                t.path("num_key_value_heads").asInt(nHeads), headDim, req(t, "intermediate_size").asInt(), req(t, "vocab_size").asInt(),
                (float) t.path("rms_norm_eps").asDouble(1e-5), t.path("rope_theta").asDouble(10000.0), RopeStyle.HALF_SPLIT,
                t.path("max_position_embeddings").asInt(0),
                c.path("tie_word_embeddings").asBoolean(t.path("tie_word_embeddings").asBoolean(false)),
                firstInt(t.has("bos_token_id") ? t.get("bos_token_id") : c.path("bos_token_id"), 1),
                firstInt(t.has("eos_token_id") ? t.get("eos_token_id") : c.path("eos_token_id"), 2));
    }

    /**
     * transformers' Mistral4Config (the text_config of the release's Mistral3ForConditionalGeneration, or a
     * Mistral4ForCausalLM config), as convert_mistral4_weight_to_hf.py writes it from params.json. Its rope_parameters
     * carry mscale_all_dim 1.0 whatever yarn.apply_scale said: like the GGUF's yarn_log_multiplier that says nothing about
     * the softmax scale, which stays 1/√(qk_nope + qk_rope) (testdata mistral-small4 README §5.3).
     */
    private static ModelConfig fromMistral4HfConfig(JsonNode c, JsonNode t) {
        if (!t.path("q_lora_rank").isNumber()) throw new IllegalArgumentException("mistral4: q_lora_rank null (no query down-projection) is not supported");
        if (!t.path("rope_interleave").asBoolean(true))
            throw new IllegalArgumentException("mistral4: rope_interleave false is not supported (Mistral 4 rotates adjacent pairs)");
        if (t.path("n_group").asInt(1) != 1 || t.path("topk_group").asInt(1) != 1)
            throw new IllegalArgumentException("mistral4: expert groups (n_group, topk_group) other than 1 are not supported");
        var mla = new Mistral4Params.Mla(req(t, "q_lora_rank").asInt(), req(t, "kv_lora_rank").asInt(), req(t, "qk_nope_head_dim").asInt(),
                req(t, "qk_rope_head_dim").asInt(), req(t, "v_head_dim").asInt());
        var moe = new Mistral4Params.Moe(req(t, "n_routed_experts").asInt(), req(t, "num_experts_per_tok").asInt(),
                req(t, "moe_intermediate_size").asInt(), t.path("n_shared_experts").asInt(0), t.path("routed_scaling_factor").asDouble(1.0),
                t.path("norm_topk_prob").asBoolean(true), t.path("first_k_dense_replace").asInt(0));
        // transformers ≥ 5 writes rope_parameters (rope_theta inside); older configs have rope_scaling + rope_theta.
        JsonNode r = t.has("rope_parameters") ? t.get("rope_parameters") : t.path("rope_scaling");
        String type = r.path("rope_type").asText(r.path("type").asText(""));
        if (!type.equals("yarn")) throw new IllegalArgumentException("mistral4: rope type '" + type + "' is not supported (yarn expected)");
        double theta = r.path("rope_theta").asDouble(t.path("rope_theta").asDouble(10000.0));
        var yarn = new Mistral4Params.Yarn(req(r, "factor").asDouble(), req(r, "original_max_position_embeddings").asInt(),
                r.path("beta_fast").asDouble(32.0), r.path("beta_slow").asDouble(1.0));
        var l4 = r.path("llama_4_scaling_beta").isNumber()
                ? new Mistral4Params.Llama4Scaling(r.get("llama_4_scaling_beta").asDouble(), yarn.originalMaxPositions()) : null;
        int nHeads = req(t, "num_attention_heads").asInt();
        return new ModelConfig(Architecture.MISTRAL4, req(t, "hidden_size").asInt(), req(t, "num_hidden_layers").asInt(), nHeads, nHeads,
                mla.qkHeadDim(), t.path("intermediate_size").asInt(moe.expertHiddenDim()), req(t, "vocab_size").asInt(),
                (float) t.path("rms_norm_eps").asDouble(1e-6), theta, RopeStyle.INTERLEAVED, t.path("max_position_embeddings").asInt(0),
                c.path("tie_word_embeddings").asBoolean(t.path("tie_word_embeddings").asBoolean(false)),
                firstInt(t.has("bos_token_id") ? t.get("bos_token_id") : c.path("bos_token_id"), 1),
                firstInt(t.has("eos_token_id") ? t.get("eos_token_id") : c.path("eos_token_id"), 2),
                new Mistral4Params(mla, moe, yarn, l4));
    }

    /** GGUF metadata of arch {@code llama}, {@code mistral} or {@code mistral3}: q/k rows in interleaved RoPE order. */
    public static ModelConfig fromGguf(Map<String, Object> meta) {
        String arch = str(meta, "general.architecture");
        if (arch.equals("mistral4")) return fromMistral4Gguf(meta);
        if (!List.of("llama", "mistral", "mistral3").contains(arch))
            throw new IllegalArgumentException("unsupported GGUF architecture '" + arch + "' (supported: llama, mistral, mistral3, mistral4)");
        String k = arch + ".";
        int dim = num(meta, k + "embedding_length").intValue();
        int nHeads = num(meta, k + "attention.head_count").intValue();
        int headDim = meta.containsKey(k + "attention.key_length") ? num(meta, k + "attention.key_length").intValue() : dim / nHeads;
        int vocab = meta.containsKey(k + "vocab_size") ? num(meta, k + "vocab_size").intValue()
                : meta.get("tokenizer.ggml.tokens") instanceof List<?> l ? l.size() : 0;
        return new ModelConfig(Architecture.LLAMA, dim, num(meta, k + "block_count").intValue(), nHeads,
                meta.containsKey(k + "attention.head_count_kv") ? num(meta, k + "attention.head_count_kv").intValue() : nHeads, headDim,
                num(meta, k + "feed_forward_length").intValue(), Math.max(vocab, 1),
                meta.containsKey(k + "attention.layer_norm_rms_epsilon") ? num(meta, k + "attention.layer_norm_rms_epsilon").floatValue() : 1e-5f,
                meta.containsKey(k + "rope.freq_base") ? num(meta, k + "rope.freq_base").doubleValue() : 10000.0, RopeStyle.INTERLEAVED,
                meta.containsKey(k + "context_length") ? num(meta, k + "context_length").intValue() : 0, false,
                meta.containsKey("tokenizer.ggml.bos_token_id") ? num(meta, "tokenizer.ggml.bos_token_id").intValue() : 1,
                meta.containsKey("tokenizer.ggml.eos_token_id") ? num(meta, "tokenizer.ggml.eos_token_id").intValue() : 2);
    }

    /**
     * GGUF arch {@code mistral4} as llama.cpp's converter writes it (testdata mistral-small4 README §4). Its head_count_kv
     * 1 and key_length/value_length describe llama.cpp's absorbed heads; the model's own sizes are the *_mla keys.
     * yarn_log_multiplier says nothing about the softmax scale (ignored). A file without the temperature keys
     * still gets Mistral 4's Llama-4 scale (beta 0.1 over the original context).
     */
    private static ModelConfig fromMistral4Gguf(Map<String, Object> meta) {
        String k = "mistral4.";
        int dim = num(meta, k + "embedding_length").intValue();
        int nHeads = num(meta, k + "attention.head_count").intValue();
        int rope = num(meta, k + "rope.dimension_count").intValue();
        int qk = num(meta, k + "attention.key_length_mla").intValue();
        var mla = new Mistral4Params.Mla(num(meta, k + "attention.q_lora_rank").intValue(), num(meta, k + "attention.kv_lora_rank").intValue(),
                qk - rope, rope, num(meta, k + "attention.value_length_mla").intValue());
        if (opt(meta, k + "expert_group_count", 1).intValue() != 1)
            throw new IllegalArgumentException("mistral4: expert groups other than 1 are not supported");
        String gating = meta.containsKey(k + "expert_gating_func") ? num(meta, k + "expert_gating_func").toString() : "1";
        if (!gating.equals("1")) throw new IllegalArgumentException("mistral4: only softmax expert gating (1) is supported, got " + gating);
        var moe = new Mistral4Params.Moe(num(meta, k + "expert_count").intValue(), num(meta, k + "expert_used_count").intValue(),
                num(meta, k + "expert_feed_forward_length").intValue(), opt(meta, k + "expert_shared_count", 0).intValue(),
                opt(meta, k + "expert_weights_scale", 1.0).doubleValue(),
                !(meta.get(k + "expert_weights_norm") instanceof Boolean b) || b, opt(meta, k + "leading_dense_block_count", 0).intValue());
        int original = opt(meta, k + "rope.scaling.original_context_length", 8192).intValue();
        var yarn = new Mistral4Params.Yarn(opt(meta, k + "rope.scaling.factor", 1.0).doubleValue(), original,
                opt(meta, k + "rope.scaling.yarn_beta_fast", 32.0).doubleValue(), opt(meta, k + "rope.scaling.yarn_beta_slow", 1.0).doubleValue());
        var l4 = new Mistral4Params.Llama4Scaling(opt(meta, k + "attention.temperature_scale", 0.1).doubleValue(),
                opt(meta, k + "attention.temperature_length", original).intValue());
        int vocab = meta.containsKey(k + "vocab_size") ? num(meta, k + "vocab_size").intValue()
                : meta.get("tokenizer.ggml.tokens") instanceof List<?> l ? l.size() : 0;
        return new ModelConfig(Architecture.MISTRAL4, dim, num(meta, k + "block_count").intValue(), nHeads, nHeads, qk,
                num(meta, k + "feed_forward_length").intValue(), Math.max(vocab, 1),
                opt(meta, k + "attention.layer_norm_rms_epsilon", 1e-6).floatValue(), opt(meta, k + "rope.freq_base", 10000.0).doubleValue(),
                RopeStyle.INTERLEAVED, opt(meta, k + "context_length", 0).intValue(), false,
                opt(meta, "tokenizer.ggml.bos_token_id", 1).intValue(), opt(meta, "tokenizer.ggml.eos_token_id", 2).intValue(),
                new Mistral4Params(mla, moe, yarn, l4));
    }

    /** A GGUF value or the default; float32 values come back as their shortest decimal (0.1f → 0.1, not 0.10000000149). */
    private static Number opt(Map<String, Object> meta, String key, Number dflt) {
        if (!meta.containsKey(key)) return dflt;
        Number n = num(meta, key);
        return n instanceof Float f ? Double.parseDouble(f.toString()) : n;
    }

    private static int firstInt(JsonNode n, int dflt) {
        if (n.isArray()) return n.isEmpty() ? dflt : n.get(0).asInt(dflt);
        return n.isNumber() ? n.asInt() : dflt;
    }

    private static JsonNode req(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("model config lacks the field '" + field + "'");
        if (!v.isNumber()) throw new IllegalArgumentException("model config field '" + field + "' is not a number: " + v);
        return v;
    }

    private static Number num(Map<String, Object> meta, String key) {
        Object v = meta.get(key);
        if (v == null) throw new IllegalArgumentException("GGUF metadata lacks the key '" + key + "'");
        if (!(v instanceof Number n)) throw new IllegalArgumentException("GGUF metadata key '" + key + "' is not a number: " + v);
        return n;
    }

    private static String str(Map<String, Object> meta, String key) {
        Object v = meta.get(key);
        if (!(v instanceof String s)) throw new IllegalArgumentException("GGUF metadata lacks the string key '" + key + "'");
        return s;
    }
}
