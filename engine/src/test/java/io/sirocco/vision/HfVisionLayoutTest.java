package io.sirocco.vision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.format.safetensors.SafeTensors;
import io.sirocco.format.safetensors.SafeTensorsDType;
import io.sirocco.format.safetensors.SafeTensorsWriter;
import io.sirocco.image.PreprocessedImage;
import io.sirocco.model.Model;
import io.sirocco.model.RopeStyle;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.Tensor;
import io.sirocco.testing.TestData;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hugging Face layout: the synthetic native model rewritten as transformers' converter would (names of spec §1.3,
 * q/k rows permuted for rotate-half RoPE, text and vision) must give the same image embeddings as the native files.
 */
class HfVisionLayoutTest {

    @Test
    void hfDirectoryEncodesLikeTheNativeOne(@TempDir Path dir) throws IOException {
        writeHfCopy(TestData.file("vision/model"), dir);
        List<PreprocessedImage> images = VisionGoldens.images(VisionGoldens.json("p12_two_images"));
        try (WorkerPool pool = new WorkerPool(2);
             Model hf = Model.load(dir, TestData.file("vision/model/tekken.json"));
             Model nat = VisionGoldens.nativeModel()) {
            assertThat(hf.format()).isEqualTo("hf");
            PixtralEncoder v = hf.requireVision();
            assertThat(v.weights().ropeStyle()).isEqualTo(RopeStyle.HALF_SPLIT);
            assertThat(v.config()).isEqualTo(nat.requireVision().config());
            List<float[]> a = v.forward(images, pool, PixtralEncoder.Stages.NONE);
            List<float[]> b = nat.requireVision().forward(images, pool, PixtralEncoder.Stages.NONE);
            for (int k = 0; k < images.size(); k++)
                assertThat(VisionGoldens.maxAbsDiff(a.get(k), b.get(k))).as("image %d", k).isLessThanOrEqualTo(1e-5);
        }
    }

    /** Native → HF names (legacy spelling for the tower, transformers ≥ 4.52 spelling for the projector). */
    private static void writeHfCopy(Path nativeDir, Path out) throws IOException {
        Map<String, String> names = Map.ofEntries(
                Map.entry("tok_embeddings.weight", "language_model.model.embed_tokens.weight"),
                Map.entry("norm.weight", "language_model.model.norm.weight"),
                Map.entry("output.weight", "language_model.lm_head.weight"),
                Map.entry("vision_encoder.patch_conv.weight", "vision_tower.patch_conv.weight"),
                Map.entry("vision_encoder.ln_pre.weight", "vision_tower.ln_pre.weight"),
                Map.entry("pre_mm_projector_norm.weight", "model.multi_modal_projector.norm.weight"),
                Map.entry("patch_merger.merging_layer.weight", "model.multi_modal_projector.patch_merger.merging_layer.weight"),
                Map.entry("vision_language_adapter.w_in.weight", "model.multi_modal_projector.linear_1.weight"),
                Map.entry("vision_language_adapter.w_out.weight", "model.multi_modal_projector.linear_2.weight"));
        Map<String, String> layerParts = Map.of("attention_norm", "input_layernorm", "attention.wq", "self_attn.q_proj",
                "attention.wk", "self_attn.k_proj", "attention.wv", "self_attn.v_proj", "attention.wo", "self_attn.o_proj",
                "ffn_norm", "post_attention_layernorm", "feed_forward.w1", "mlp.gate_proj", "feed_forward.w2", "mlp.down_proj",
                "feed_forward.w3", "mlp.up_proj");
        Map<String, String> visionParts = Map.of("attention.wq", "attention.q_proj", "attention.wk", "attention.k_proj",
                "attention.wv", "attention.v_proj", "attention.wo", "attention.o_proj", "feed_forward.w1", "feed_forward.gate_proj",
                "feed_forward.w2", "feed_forward.down_proj", "feed_forward.w3", "feed_forward.up_proj");
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensors st = SafeTensors.open(nativeDir.resolve("consolidated.safetensors"))) {
            for (Tensor t : st.tensors()) {
                String n = t.name();
                String hfName;
                int heads = 0;
                if (names.containsKey(n)) hfName = names.get(n);
                else if (n.startsWith("vision_encoder.transformer.layers.")) {
                    String rest = n.substring("vision_encoder.transformer.layers.".length(), n.length() - ".weight".length());
                    String layer = rest.substring(0, rest.indexOf('.')), part = rest.substring(rest.indexOf('.') + 1);
                    hfName = "vision_tower.transformer.layers." + layer + "." + visionParts.getOrDefault(part, part) + ".weight";
                    if (part.equals("attention.wq") || part.equals("attention.wk")) heads = 4;
                } else {
                    String rest = n.substring("layers.".length(), n.length() - ".weight".length());
                    String layer = rest.substring(0, rest.indexOf('.')), part = rest.substring(rest.indexOf('.') + 1);
                    hfName = "language_model.model.layers." + layer + "." + layerParts.get(part) + ".weight";
                    if (part.equals("attention.wq")) heads = 4;
                    if (part.equals("attention.wk")) heads = 2;
                }
                byte[] data = t.data().toArray(ValueLayout.JAVA_BYTE);
                if (heads > 0) data = permuteRows(data, (int) t.dim(0), (int) t.rowBytes(), heads);
                w.add(hfName, SafeTensorsDType.BF16, t.shape(), MemorySegment.ofArray(data));
            }
        }
        w.write(out.resolve("model.safetensors"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("Mistral3ForConditionalGeneration");
        c.put("image_token_index", 10).put("multimodal_projector_bias", false).put("projector_hidden_act", "gelu").put("spatial_merge_size", 2);
        c.putObject("text_config").put("hidden_size", 96).put("num_hidden_layers", 2).put("num_attention_heads", 4)
                .put("num_key_value_heads", 2).put("head_dim", 32).put("intermediate_size", 192).put("rms_norm_eps", 1e-5)
                .put("rope_theta", 1e9).put("max_position_embeddings", 131072).put("vocab_size", 8192);
        c.putObject("vision_config").put("hidden_size", 64).put("num_hidden_layers", 2).put("num_attention_heads", 4)
                .put("intermediate_size", 128).put("patch_size", 14).put("image_size", 1540).put("num_channels", 3)
                .put("rope_theta", 10000.0).put("head_dim", 16);
        Files.writeString(out.resolve("config.json"), json.writeValueAsString(c));
    }

    /** transformers' permute_for_rope: per head, HF row t·(hd/2) + j = native row 2j + t. */
    private static byte[] permuteRows(byte[] data, int rows, int rowBytes, int heads) {
        int hd = rows / heads;
        byte[] out = new byte[data.length];
        for (int h = 0; h < heads; h++)
            for (int j = 0; j < hd / 2; j++)
                for (int t = 0; t < 2; t++)
                    System.arraycopy(data, (h * hd + 2 * j + t) * rowBytes, out, (h * hd + t * hd / 2 + j) * rowBytes, rowBytes);
        return out;
    }
}
