package io.sirocco.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.format.ModelFormatException;
import io.sirocco.format.gguf.GgufFile;
import io.sirocco.model.LayerWeights;
import io.sirocco.model.RopeStyle;
import io.sirocco.model.TensorSource;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.Kernels;
import io.sirocco.vision.VisionLayout.Global;
import io.sirocco.vision.VisionLayout.Layer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Finds and checks the vision tower's tensors in a source: every name present, every shape and type as the config says. */
public final class VisionLoader {
    private final TensorSource src;
    private final VisionLayout names;
    private final VisionConfig c;

    private VisionLoader(TensorSource src, VisionLayout names, VisionConfig config) {
        this.src = src;
        this.names = names;
        this.c = config;
    }

    /** Native consolidated.safetensors (names of spec §1.3). */
    public static VisionWeights loadNative(TensorSource src, VisionConfig config) {
        return new VisionLoader(src, VisionLayout.NATIVE, config).load(RopeStyle.INTERLEAVED);
    }

    /** Hugging Face {@code vision_tower.*} / {@code multi_modal_projector.*}: q/k rows permuted for rotate-half RoPE. */
    public static VisionWeights loadHf(TensorSource src, VisionConfig config) {
        return new VisionLoader(src, VisionLayout.HF, config).load(RopeStyle.HALF_SPLIT);
    }

    /** A llama.cpp mmproj GGUF of projector type pixtral (q/k rows in the native interleaved order). */
    public static VisionWeights loadGguf(TensorSource src, VisionConfig config) {
        return new VisionLoader(src, VisionLayout.GGUF, config).load(RopeStyle.INTERLEAVED);
    }

    /**
     * The encoder of a native directory: present when params.json has {@code vision_encoder} (its tensors are then
     * required), absent otherwise. {@code textDim} is params.json {@code dim}.
     */
    public static Optional<PixtralEncoder> nativeEncoder(JsonNode params, TensorSource src, int textDim) {
        JsonNode v = params.get("vision_encoder");
        if (v == null || v.isNull()) return Optional.empty();
        VisionConfig config = config(src, () -> VisionConfig.fromParams(v, textDim));
        return Optional.of(new PixtralEncoder(config, loadNative(src, config)));
    }

    /** The encoder of a Hugging Face directory: present when config.json has {@code vision_config}. */
    public static Optional<PixtralEncoder> hfEncoder(JsonNode config, TensorSource src) {
        if (!config.has("vision_config")) return Optional.empty();
        VisionConfig vc = config(src, () -> VisionConfig.fromHfConfig(config));
        return Optional.of(new PixtralEncoder(vc, loadHf(src, vc)));
    }

    /** The encoder of an mmproj GGUF for a text model of width {@code textDim}. */
    public static PixtralEncoder mmprojEncoder(GgufFile mmproj, TensorSource src, int textDim) {
        VisionConfig vc = config(src, () -> VisionConfig.fromGguf(mmproj.metadata()));
        if (vc.textDim() != textDim)
            throw new ModelFormatException(src.origin(), "mmproj projects to " + vc.textDim() + " dimensions but the text model's width is "
                    + textDim + ": it belongs to another model");
        return new PixtralEncoder(vc, loadGguf(src, vc));
    }

    private static VisionConfig config(TensorSource src, java.util.function.Supplier<VisionConfig> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(src.origin(), e.getMessage(), e);
        }
    }

    private VisionWeights load(RopeStyle style) {
        rejectBiases();
        int hidden = c.hiddenSize(), ffn = c.intermediateSize();
        Tensor conv = require(names.global(Global.PATCH_CONV));
        long[] convShape = {hidden, c.numChannels(), c.patchSize(), c.patchSize()};
        if (!Arrays.equals(conv.shape(), convShape))
            throw bad(conv.name() + " has shape " + Arrays.toString(conv.shape()) + ", expected " + Arrays.toString(convShape));
        // The kernel's [hidden, 3, p, p] is row-major: each output channel's 3·p·p weights are one contiguous row.
        Tensor patchConv = checkType(new Tensor(conv.name(), conv.type(), new long[] {hidden, c.patchValues()}, conv.data()));
        float[] lnPre = vector(names.global(Global.LN_PRE), hidden);
        List<LayerWeights> layers = new ArrayList<>(c.nLayers());
        for (int l = 0; l < c.nLayers(); l++) {
            layers.add(new LayerWeights(
                    vector(names.layer(l, Layer.ATTENTION_NORM), hidden),
                    matrix(names.layer(l, Layer.WQ), hidden, hidden),
                    matrix(names.layer(l, Layer.WK), hidden, hidden),
                    matrix(names.layer(l, Layer.WV), hidden, hidden),
                    matrix(names.layer(l, Layer.WO), hidden, hidden),
                    vector(names.layer(l, Layer.FFN_NORM), hidden),
                    matrix(names.layer(l, Layer.W1), ffn, hidden),
                    matrix(names.layer(l, Layer.W2), hidden, ffn),
                    matrix(names.layer(l, Layer.W3), ffn, hidden)));
        }
        if (src.find(names.layer(c.nLayers(), Layer.WQ).getFirst()).isPresent())
            throw bad("the file has more vision layers than the config's " + c.nLayers());
        float[] preNorm = null;
        if (c.preProjectorNorm()) preNorm = vector(names.global(Global.PRE_PROJECTOR_NORM), hidden);
        else if (find(names.global(Global.PRE_PROJECTOR_NORM)).isPresent())
            throw bad("the file has a pre-projector norm but the config says add_pre_mm_projector_layer_norm false");
        Tensor merging = matrix(names.global(Global.MERGING_LAYER), hidden, c.mergedWidth());
        Tensor wIn = matrix(names.global(Global.W_IN), c.textDim(), hidden);
        Tensor wOut = matrix(names.global(Global.W_OUT), c.textDim(), c.textDim());
        return new VisionWeights(patchConv, lnPre, layers, preNorm, merging, wIn, wOut, style);
    }

    /** Every Small 3.x projector is bias-free; a checkpoint with biases must fail loudly rather than lose them. */
    private void rejectBiases() {
        for (Tensor t : src.all()) {
            if (t.name().endsWith(".bias") && names.prefixes().stream().anyMatch(t.name()::startsWith))
                throw bad("vision tensor " + t.name() + ": biases in the vision tower or projector are not supported");
        }
    }

    private Optional<Tensor> find(List<String> candidates) {
        for (String n : candidates) {
            Optional<Tensor> t = src.find(n);
            if (t.isPresent()) return t;
        }
        return Optional.empty();
    }

    private Tensor require(List<String> candidates) {
        return find(candidates).orElseThrow(() -> bad("missing vision tensor " + candidates.getFirst()
                + (candidates.size() > 1 ? " (also tried " + String.join(", ", candidates.subList(1, candidates.size())) + ")" : "")));
    }

    private Tensor matrix(List<String> candidates, long rows, long cols) {
        Tensor t = require(candidates);
        if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols)
            throw bad("tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected [" + rows + ", " + cols + "] for " + c);
        return checkType(t);
    }

    private float[] vector(List<String> candidates, int n) {
        Tensor t = require(candidates);
        if (t.elementCount() != n) throw bad("tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected [" + n + "]");
        Tensor row = checkType(new Tensor(t.name(), t.type(), new long[] {1, n}, t.data()));
        float[] v = new float[n];
        Kernels.dequantizeRow(row, 0, v, 0);
        return v;
    }

    private Tensor checkType(Tensor t) {
        if (!t.type().supported)
            throw bad("tensor " + t.name() + " has type " + t.type() + ", which Sirocco does not support");
        if (t.cols() % t.type().blockSize != 0)
            throw bad("tensor " + t.name() + " row length " + t.cols() + " is not a multiple of the " + t.type() + " block size " + t.type().blockSize);
        return t;
    }

    private ModelFormatException bad(String problem) {
        return new ModelFormatException(src.origin(), problem);
    }
}
