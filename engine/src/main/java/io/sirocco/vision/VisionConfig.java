package io.sirocco.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.image.ImageConfig;
import java.util.List;
import java.util.Map;

/**
 * Hyper-parameters of a Pixtral vision tower and its projector (spec §2.1), from params.json {@code vision_encoder},
 * a Hugging Face {@code vision_config}, or mmproj GGUF {@code clip.vision.*} metadata.
 *
 * @param hiddenSize       tower width (1024 in Small 3.x)
 * @param headDim          hiddenSize / nHeads (64); must be a multiple of 4 for the 2D RoPE
 * @param maxImageSize     longest image side before downscaling (1540); also the RoPE table's side in patches × patchSize
 * @param textDim          the adapter's output width = the text model's dim
 * @param preProjectorNorm whether an RMSNorm precedes the patch merger ({@code add_pre_mm_projector_layer_norm})
 * @param imageTokenId     [IMG]; {@code imageBreakTokenId} [IMG_BREAK]; {@code imageEndTokenId} [IMG_END]
 */
public record VisionConfig(
        int hiddenSize,
        int nLayers,
        int nHeads,
        int intermediateSize,
        int patchSize,
        int maxImageSize,
        int numChannels,
        double ropeTheta,
        int spatialMergeSize,
        float normEps,
        boolean preProjectorNorm,
        int textDim,
        int imageTokenId,
        int imageBreakTokenId,
        int imageEndTokenId) {

    public VisionConfig {
        if (hiddenSize <= 0 || nLayers <= 0 || nHeads <= 0 || intermediateSize <= 0 || patchSize <= 0 || maxImageSize <= 0
                || textDim <= 0 || spatialMergeSize <= 0)
            throw new IllegalArgumentException("vision config values must be positive: " + describe(hiddenSize, nLayers, nHeads,
                    intermediateSize, patchSize, maxImageSize, textDim, spatialMergeSize));
        if (numChannels != 3) throw new IllegalArgumentException("vision encoder with " + numChannels + " channels; only RGB (3) is supported");
        if (hiddenSize % nHeads != 0 || (hiddenSize / nHeads) % 4 != 0)
            throw new IllegalArgumentException("vision hidden_size " + hiddenSize + " / " + nHeads + " heads must give a head dim divisible by 4 (2D RoPE)");
    }

    private static String describe(int hidden, int layers, int heads, int ffn, int patch, int max, int text, int merge) {
        return "hidden_size=" + hidden + " layers=" + layers + " heads=" + heads + " intermediate_size=" + ffn + " patch_size=" + patch
                + " max_image_size=" + max + " text_dim=" + text + " spatial_merge_size=" + merge;
    }

    public int headDim() {
        return hiddenSize / nHeads;
    }

    /** Patches per side of the largest image: the 2D RoPE table's height and width (110 for 1540 / 14). */
    public int maxPatchesPerSide() {
        return maxImageSize / patchSize;
    }

    /** Values of one flattened patch: channels × patch × patch (the patch conv's input width). */
    public int patchValues() {
        return numChannels * patchSize * patchSize;
    }

    /** Width of one patch-merger input row: hidden × merge². */
    public int mergedWidth() {
        return hiddenSize * spatialMergeSize * spatialMergeSize;
    }

    /** What the image preprocessor needs (patch size, longest side, merge). */
    public ImageConfig imageConfig() {
        return new ImageConfig(patchSize, maxImageSize, spatialMergeSize);
    }

    /** params.json {@code vision_encoder} (mistral-inference VisionEncoderArgs); {@code textDim} is params.json {@code dim}. */
    public static VisionConfig fromParams(JsonNode v, int textDim) {
        int imageSize = req(v, "image_size");
        if (!v.path("mm_projector_id").asText("patch_merge").equals("patch_merge") && v.path("spatial_merge_size").asInt(1) > 1)
            throw new IllegalArgumentException("unsupported mm_projector_id '" + v.get("mm_projector_id").asText() + "' (supported: patch_merge)");
        if (v.path("adapter_bias").asBoolean(true))
            throw new IllegalArgumentException("vision adapter with biases (adapter_bias true) is not supported; Small 3.x has none");
        return new VisionConfig(req(v, "hidden_size"), req(v, "num_hidden_layers"), req(v, "num_attention_heads"),
                req(v, "intermediate_size"), req(v, "patch_size"), v.path("max_image_size").asInt(imageSize), v.path("num_channels").asInt(3),
                v.path("rope_theta").asDouble(1e4), v.path("spatial_merge_size").asInt(1), 1e-5f,
                v.path("add_pre_mm_projector_layer_norm").asBoolean(false), textDim, v.path("image_token_id").asInt(10),
                v.path("image_break_token_id").asInt(12), v.path("image_end_token_id").asInt(13));
    }

    /** Hugging Face config.json of Mistral3ForConditionalGeneration ({@code vision_config} + top-level projector fields). */
    public static VisionConfig fromHfConfig(JsonNode c) {
        JsonNode v = c.get("vision_config");
        if (v == null) throw new IllegalArgumentException("config.json has no vision_config");
        JsonNode text = c.has("text_config") ? c.get("text_config") : c;
        if (c.path("multimodal_projector_bias").asBoolean(false))
            throw new IllegalArgumentException("vision projector with biases (multimodal_projector_bias true) is not supported");
        if (!c.path("projector_hidden_act").asText("gelu").equals("gelu"))
            throw new IllegalArgumentException("unsupported projector_hidden_act '" + c.get("projector_hidden_act").asText() + "' (supported: gelu)");
        int imageSize = req(v, "image_size");
        return new VisionConfig(req(v, "hidden_size"), req(v, "num_hidden_layers"), req(v, "num_attention_heads"),
                req(v, "intermediate_size"), req(v, "patch_size"), imageSize, v.path("num_channels").asInt(3),
                v.path("rope_theta").asDouble(1e4), c.path("spatial_merge_size").asInt(2),
                (float) text.path("rms_norm_eps").asDouble(1e-5), true, req(text, "hidden_size"), c.path("image_token_index").asInt(10),
                c.path("image_break_token_index").asInt(12), c.path("image_end_token_index").asInt(13));
    }

    /**
     * An mmproj GGUF (arch {@code clip}, {@code clip.projector_type} pixtral). {@code textDim} is checked against
     * {@code clip.vision.projection_dim} when the file states it; image token ids are Tekken's (10/12/13).
     */
    public static VisionConfig fromGguf(Map<String, Object> meta) {
        if (!"clip".equals(meta.get("general.architecture")))
            throw new IllegalArgumentException("not an mmproj file: general.architecture is '" + meta.get("general.architecture") + "', expected 'clip'");
        Object type = meta.get("clip.projector_type");
        if (!"pixtral".equals(type))
            throw new IllegalArgumentException("mmproj projector type '" + type + "' is not supported (supported: pixtral)");
        String k = "clip.vision.";
        int patch = num(meta, k + "patch_size").intValue();
        int imageSize = num(meta, k + "image_size").intValue();
        if (meta.get(k + "image_mean") instanceof List<?> mean && !closeTo(mean, io.sirocco.image.ImagePreprocessor.DATASET_MEAN)
                || meta.get(k + "image_std") instanceof List<?> std && !closeTo(std, io.sirocco.image.ImagePreprocessor.DATASET_STD))
            throw new IllegalArgumentException("mmproj image_mean/image_std differ from the CLIP values Pixtral's preprocessing uses");
        return new VisionConfig(num(meta, k + "embedding_length").intValue(), num(meta, k + "block_count").intValue(),
                num(meta, k + "attention.head_count").intValue(), num(meta, k + "feed_forward_length").intValue(), patch, imageSize, 3,
                meta.containsKey("clip.rope.freq_base") ? num(meta, "clip.rope.freq_base").doubleValue() : 1e4,
                meta.containsKey(k + "spatial_merge_size") ? num(meta, k + "spatial_merge_size").intValue() : 1,
                meta.containsKey(k + "attention.layer_norm_epsilon") ? num(meta, k + "attention.layer_norm_epsilon").floatValue() : 1e-5f,
                true, num(meta, k + "projection_dim").intValue(), 10, 12, 13);
    }

    private static boolean closeTo(List<?> values, double[] expected) {
        if (values.size() != expected.length) return false;
        for (int i = 0; i < expected.length; i++)
            if (!(values.get(i) instanceof Number n) || Math.abs(n.doubleValue() - expected[i]) > 1e-6) return false;
        return true;
    }

    private static int req(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("vision config lacks the numeric field '" + field + "'");
        return v.asInt();
    }

    private static Number num(Map<String, Object> meta, String key) {
        if (!(meta.get(key) instanceof Number n)) throw new IllegalArgumentException("mmproj metadata lacks the numeric key '" + key + "'");
        return n;
    }
}
