package io.sirocco.vision;

import java.util.List;

/** Tensor names of the vision tower and projector in each file layout (spec §1.3, testdata README §7.1); candidates in order. */
enum VisionLayout {
    NATIVE {
        List<String> global(Global g) {
            return List.of(switch (g) {
                case PATCH_CONV -> "vision_encoder.patch_conv.weight";
                case LN_PRE -> "vision_encoder.ln_pre.weight";
                case PRE_PROJECTOR_NORM -> "pre_mm_projector_norm.weight";
                case MERGING_LAYER -> "patch_merger.merging_layer.weight";
                case W_IN -> "vision_language_adapter.w_in.weight";
                case W_OUT -> "vision_language_adapter.w_out.weight";
            });
        }

        List<String> layer(int l, Layer w) {
            return List.of("vision_encoder.transformer.layers." + l + "." + switch (w) {
                case ATTENTION_NORM -> "attention_norm";
                case WQ -> "attention.wq";
                case WK -> "attention.wk";
                case WV -> "attention.wv";
                case WO -> "attention.wo";
                case FFN_NORM -> "ffn_norm";
                case W1 -> "feed_forward.w1";
                case W2 -> "feed_forward.w2";
                case W3 -> "feed_forward.w3";
            } + ".weight");
        }

        List<String> prefixes() {
            return List.of("vision_encoder.", "pre_mm_projector_norm.", "patch_merger.", "vision_language_adapter.");
        }
    },
    /** Mistral3ForConditionalGeneration, legacy ({@code vision_tower.}) and transformers ≥ 4.52 ({@code model.vision_tower.}) spellings. */
    HF {
        private static final List<String> TOWER = List.of("vision_tower.", "model.vision_tower.");
        private static final List<String> PROJECTOR = List.of("multi_modal_projector.", "model.multi_modal_projector.");

        List<String> global(Global g) {
            return switch (g) {
                case PATCH_CONV -> with(TOWER, "patch_conv.weight");
                case LN_PRE -> with(TOWER, "ln_pre.weight");
                case PRE_PROJECTOR_NORM -> with(PROJECTOR, "norm.weight");
                case MERGING_LAYER -> with(PROJECTOR, "patch_merger.merging_layer.weight");
                case W_IN -> with(PROJECTOR, "linear_1.weight");
                case W_OUT -> with(PROJECTOR, "linear_2.weight");
            };
        }

        List<String> layer(int l, Layer w) {
            return with(TOWER, "transformer.layers." + l + "." + switch (w) {
                case ATTENTION_NORM -> "attention_norm";
                case WQ -> "attention.q_proj";
                case WK -> "attention.k_proj";
                case WV -> "attention.v_proj";
                case WO -> "attention.o_proj";
                case FFN_NORM -> "ffn_norm";
                case W1 -> "feed_forward.gate_proj";
                case W2 -> "feed_forward.down_proj";
                case W3 -> "feed_forward.up_proj";
            } + ".weight");
        }

        List<String> prefixes() {
            return List.of("vision_tower.", "model.vision_tower.", "multi_modal_projector.", "model.multi_modal_projector.");
        }
    },
    /** llama.cpp mmproj, projector type pixtral. */
    GGUF {
        List<String> global(Global g) {
            return List.of(switch (g) {
                case PATCH_CONV -> "v.patch_embd.weight";
                case LN_PRE -> "v.pre_ln.weight";
                case PRE_PROJECTOR_NORM -> "mm.input_norm.weight";
                case MERGING_LAYER -> "mm.patch_merger.weight";
                case W_IN -> "mm.1.weight";
                case W_OUT -> "mm.2.weight";
            });
        }

        List<String> layer(int l, Layer w) {
            return List.of("v.blk." + l + "." + switch (w) {
                case ATTENTION_NORM -> "ln1";
                case WQ -> "attn_q";
                case WK -> "attn_k";
                case WV -> "attn_v";
                case WO -> "attn_out";
                case FFN_NORM -> "ln2";
                case W1 -> "ffn_gate";
                case W2 -> "ffn_down";
                case W3 -> "ffn_up";
            } + ".weight");
        }

        List<String> prefixes() {
            return List.of("v.", "mm.");
        }
    };

    enum Global { PATCH_CONV, LN_PRE, PRE_PROJECTOR_NORM, MERGING_LAYER, W_IN, W_OUT }

    enum Layer { ATTENTION_NORM, WQ, WK, WV, WO, FFN_NORM, W1, W2, W3 }

    abstract List<String> global(Global g);

    abstract List<String> layer(int l, Layer w);

    /** Name prefixes of every vision tensor of this layout (to find biases we would otherwise ignore). */
    abstract List<String> prefixes();

    private static List<String> with(List<String> prefixes, String suffix) {
        return prefixes.stream().map(p -> p + suffix).toList();
    }
}
