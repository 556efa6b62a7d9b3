package io.sirocco.model;

import java.util.List;

/** Tensor names of the dense decoder in each layout; a loader tries the candidates in order. */
enum WeightNames {
    GGUF {
        @Override
        List<String> global(Global g) {
            return List.of(switch (g) {
                case TOK_EMBEDDINGS -> "token_embd.weight";
                case NORM -> "output_norm.weight";
                case OUTPUT -> "output.weight";
            });
        }

        @Override
        List<String> layer(int l, Layer w) {
            String n = switch (w) {
                case ATTENTION_NORM -> "attn_norm";
                case WQ -> "attn_q";
                case WK -> "attn_k";
                case WV -> "attn_v";
                case WO -> "attn_output";
                case FFN_NORM -> "ffn_norm";
                case W1 -> "ffn_gate";
                case W2 -> "ffn_down";
                case W3 -> "ffn_up";
            };
            return List.of("blk." + l + "." + n + ".weight");
        }
    },
    NATIVE {
        @Override
        List<String> global(Global g) {
            return List.of(switch (g) {
                case TOK_EMBEDDINGS -> "tok_embeddings.weight";
                case NORM -> "norm.weight";
                case OUTPUT -> "output.weight";
            });
        }

        @Override
        List<String> layer(int l, Layer w) {
            String n = switch (w) {
                case ATTENTION_NORM -> "attention_norm";
                case WQ -> "attention.wq";
                case WK -> "attention.wk";
                case WV -> "attention.wv";
                case WO -> "attention.wo";
                case FFN_NORM -> "ffn_norm";
                case W1 -> "feed_forward.w1";
                case W2 -> "feed_forward.w2";
                case W3 -> "feed_forward.w3";
            };
            return List.of("layers." + l + "." + n + ".weight");
        }
    },
    /** MistralForCausalLM / LlamaForCausalLM and the text part of Mistral3ForConditionalGeneration (old and new spellings). */
    HF {
        private static final List<String> PREFIXES = List.of("model.", "language_model.model.", "model.language_model.");

        @Override
        List<String> global(Global g) {
            return switch (g) {
                case TOK_EMBEDDINGS -> PREFIXES.stream().map(p -> p + "embed_tokens.weight").toList();
                case NORM -> PREFIXES.stream().map(p -> p + "norm.weight").toList();
                case OUTPUT -> List.of("lm_head.weight", "language_model.lm_head.weight");
            };
        }

        @Override
        List<String> layer(int l, Layer w) {
            String n = switch (w) {
                case ATTENTION_NORM -> "input_layernorm";
                case WQ -> "self_attn.q_proj";
                case WK -> "self_attn.k_proj";
                case WV -> "self_attn.v_proj";
                case WO -> "self_attn.o_proj";
                case FFN_NORM -> "post_attention_layernorm";
                case W1 -> "mlp.gate_proj";
                case W2 -> "mlp.down_proj";
                case W3 -> "mlp.up_proj";
            };
            return PREFIXES.stream().map(p -> p + "layers." + l + "." + n + ".weight").toList();
        }
    };

    enum Global { TOK_EMBEDDINGS, NORM, OUTPUT }

    enum Layer { ATTENTION_NORM, WQ, WK, WV, WO, FFN_NORM, W1, W2, W3 }

    abstract List<String> global(Global g);

    abstract List<String> layer(int l, Layer w);
}
