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
        return new ModelConfig(arch, dim, req(p, "n_layers").asInt(), nHeads, p.path("n_kv_heads").asInt(nHeads),
                p.path("head_dim").asInt(dim / nHeads), req(p, "hidden_dim").asInt(), req(p, "vocab_size").asInt(),
                (float) p.path("norm_eps").asDouble(1e-5),
                // mistral-inference falls back to 1e6 when rope_theta is null or absent.
                p.path("rope_theta").isNumber() ? p.get("rope_theta").asDouble() : 1e6, RopeStyle.INTERLEAVED,
                p.path("max_position_embeddings").asInt(0), p.path("tied_embeddings").asBoolean(false), 1, 2);
    }

    /** Hugging Face config.json (MistralForCausalLM, LlamaForCausalLM, or the text_config of Mistral3ForConditionalGeneration). */
    public static ModelConfig fromHfConfig(JsonNode c) {
        JsonNode t = c.has("text_config") ? c.get("text_config") : c;
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

    /** GGUF metadata of arch {@code llama}, {@code mistral} or {@code mistral3}: q/k rows in interleaved RoPE order. */
    public static ModelConfig fromGguf(Map<String, Object> meta) {
        String arch = str(meta, "general.architecture");
        if (!List.of("llama", "mistral", "mistral3").contains(arch))
            throw new IllegalArgumentException("unsupported GGUF architecture '" + arch + "' (supported: llama, mistral, mistral3)");
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
