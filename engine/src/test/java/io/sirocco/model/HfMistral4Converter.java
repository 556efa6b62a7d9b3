package io.sirocco.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.format.safetensors.SafeTensors;
import io.sirocco.format.safetensors.SafeTensorsDType;
import io.sirocco.format.safetensors.SafeTensorsWriter;
import io.sirocco.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-only: rewrites a native Mistral Small 4 directory into the Hugging Face layout the way transformers'
 * convert_mistral4_weight_to_hf.py does (BF16 output): renamed tensors, per layer the routed experts stacked into
 * {@code mlp.experts.gate_up_proj} (experts, 2·hidden, dim) = per expert cat(w1, w3) along the rows and
 * {@code mlp.experts.down_proj} (experts, dim, hidden), no q/k permutation for the text model, and a config.json
 * from params.json. {@code vision} true: the release's wrapper (Mistral3ForConditionalGeneration, text under
 * {@code model.language_model.}, config in text_config); false: Mistral4ForCausalLM ({@code model.} prefix).
 */
final class HfMistral4Converter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern EXPERT = Pattern.compile("layers\\.(\\d+)\\.experts\\.(\\d+)\\.(w[123])\\.weight");
    private static final Map<String, String> LAYER_PARTS = Map.ofEntries(
            Map.entry("attention_norm", "input_layernorm"), Map.entry("ffn_norm", "post_attention_layernorm"),
            Map.entry("attention.wkv_a_with_mqa", "self_attn.kv_a_proj_with_mqa"), Map.entry("attention.wkv_b", "self_attn.kv_b_proj"),
            Map.entry("attention.wq_a", "self_attn.q_a_proj"), Map.entry("attention.wq_b", "self_attn.q_b_proj"),
            Map.entry("attention.wo", "self_attn.o_proj"), Map.entry("attention.q_a_norm", "self_attn.q_a_layernorm"),
            Map.entry("attention.kv_a_norm", "self_attn.kv_a_layernorm"), Map.entry("gate", "mlp.gate"),
            Map.entry("shared_experts.w1", "mlp.shared_experts.gate_proj"), Map.entry("shared_experts.w2", "mlp.shared_experts.down_proj"),
            Map.entry("shared_experts.w3", "mlp.shared_experts.up_proj"));

    private HfMistral4Converter() {}

    static void convert(Path nativeDir, Path out, boolean vision) throws IOException {
        JsonNode params = JSON.readTree(nativeDir.resolve("params.json").toFile());
        String prefix = vision ? "model.language_model." : "model.";
        int layers = params.get("n_layers").asInt(), nExp = params.get("moe").get("num_experts").asInt();
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(nativeDir.resolve("consolidated.safetensors"))) {
            Map<String, byte[]> experts = new LinkedHashMap<>();  // "layer.expert.wN" → bytes
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (Tensor t : st.tensors()) {
                Matcher m = EXPERT.matcher(t.name());
                if (m.matches()) {
                    experts.put(m.group(1) + "." + m.group(2) + "." + m.group(3), t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    shapes.put(m.group(3), t.shape());
                    continue;
                }
                w.add(rename(t.name(), prefix), SafeTensorsDType.BF16, t.shape(), t.data());
            }
            long[] up = shapes.get("w1"), down = shapes.get("w2");  // (hidden, dim), (dim, hidden)
            for (int l = 0; l < layers; l++) {
                var gateUp = new java.io.ByteArrayOutputStream();
                var downs = new java.io.ByteArrayOutputStream();
                for (int e = 0; e < nExp; e++) {
                    gateUp.write(experts.get(l + "." + e + ".w1"));
                    gateUp.write(experts.get(l + "." + e + ".w3"));
                    downs.write(experts.get(l + "." + e + ".w2"));
                }
                String base = prefix + "layers." + l + ".mlp.experts.";
                w.add(base + "gate_up_proj", SafeTensorsDType.BF16, new long[] {nExp, 2 * up[0], up[1]}, gateUp.toByteArray());
                w.add(base + "down_proj", SafeTensorsDType.BF16, new long[] {nExp, down[0], down[1]}, downs.toByteArray());
            }
            w.write(out.resolve("model.safetensors"));
        }
        ObjectNode text = textConfig(params);
        ObjectNode config;
        if (vision) {
            config = JSON.createObjectNode();
            config.putArray("architectures").add("Mistral3ForConditionalGeneration");
            config.put("model_type", "mistral3").put("image_token_id", 10).put("spatial_merge_size", 2).put("tie_word_embeddings", false);
            config.set("text_config", text);
        } else {
            config = text;
            config.putArray("architectures").add("Mistral4ForCausalLM");
        }
        Files.writeString(out.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    }

    private static String rename(String n, String prefix) {
        switch (n) {
            case "output.weight": return "lm_head.weight";
            case "norm.weight": return prefix + "norm.weight";
            case "tok_embeddings.weight": return prefix + "embed_tokens.weight";
            default:
        }
        Matcher m = Pattern.compile("layers\\.(\\d+)\\.(.+)\\.weight").matcher(n);
        if (!m.matches() || !LAYER_PARTS.containsKey(m.group(2))) throw new IllegalArgumentException("unexpected native tensor " + n);
        return prefix + "layers." + m.group(1) + "." + LAYER_PARTS.get(m.group(2)) + ".weight";
    }

    /** Mistral4Config fields as convert_config writes them from params.json. */
    private static ObjectNode textConfig(JsonNode p) {
        ObjectNode t = JSON.createObjectNode();
        t.put("model_type", "mistral4").put("hidden_size", p.get("dim").asInt()).put("num_hidden_layers", p.get("n_layers").asInt())
                .put("intermediate_size", p.get("hidden_dim").asInt()).put("num_attention_heads", p.get("n_heads").asInt())
                .put("num_key_value_heads", p.get("n_kv_heads").asInt()).put("rms_norm_eps", p.get("norm_eps").asDouble())
                .put("vocab_size", p.get("vocab_size").asInt()).put("tie_word_embeddings", p.path("tied_embeddings").asBoolean(false))
                .put("max_position_embeddings", p.get("max_position_embeddings").asInt())
                .put("bos_token_id", 1).put("eos_token_id", 2).put("pad_token_id", 11);
        for (String k : new String[] {"q_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "kv_lora_rank", "v_head_dim"})
            t.put(k, p.get(k).asInt());
        JsonNode moe = p.get("moe");
        t.put("n_routed_experts", moe.get("num_experts").asInt()).put("num_experts_per_tok", moe.get("num_experts_per_tok").asInt())
                .put("first_k_dense_replace", moe.get("first_k_dense_replace").asInt()).put("n_shared_experts", moe.get("num_shared_experts").asInt())
                .put("moe_intermediate_size", moe.get("expert_hidden_dim").asInt()).put("routed_scaling_factor", moe.get("routed_scale").asDouble())
                .put("n_group", moe.get("num_expert_groups").asInt()).put("topk_group", moe.get("num_expert_groups_per_tok").asInt())
                .put("norm_topk_prob", true).put("rope_interleave", true).put("hidden_act", "silu");
        JsonNode y = p.get("yarn");
        int rope = p.get("qk_rope_head_dim").asInt(), nope = p.get("qk_nope_head_dim").asInt();
        t.putObject("rope_parameters").put("rope_type", "yarn").put("rope_theta", p.get("rope_theta").asDouble())
                .put("factor", y.get("factor").asDouble()).put("original_max_position_embeddings", y.get("original_max_position_embeddings").asInt())
                .put("beta_fast", y.get("beta").asDouble()).put("beta_slow", y.get("alpha").asDouble()).put("mscale_all_dim", 1.0).put("mscale", 1.0)
                .put("llama_4_scaling_beta", p.get("llama_4_scaling").get("beta").asDouble())
                .put("partial_rotary_factor", (double) rope / (rope + nope));
        return t;
    }
}
