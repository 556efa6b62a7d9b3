package io.sirocco.vision;

import io.sirocco.model.LayerWeights;
import io.sirocco.model.RopeStyle;
import io.sirocco.tensor.Tensor;
import java.util.List;

/**
 * The Pixtral tower and projector. Matrices stay in the file ([out, in], rows contiguous); norm vectors are widened
 * to float. A layer has the text decoder's shape (attention_norm, wq..wo, ffn_norm, w1..w3), so it reuses {@link LayerWeights}.
 *
 * @param patchConv        (hidden, channels·patch·patch): the conv kernel [hidden, 3, 14, 14] viewed as a matrix over flattened patches
 * @param lnPre            (hidden)
 * @param preProjectorNorm (hidden) or null when the checkpoint has no pre-projector norm
 * @param mergingLayer     (hidden, hidden·merge²)
 * @param wIn              (textDim, hidden) adapter first linear
 * @param wOut             (textDim, textDim) adapter second linear
 * @param ropeStyle        lane pairing of q/k rows: INTERLEAVED (native, GGUF) or HALF_SPLIT (Hugging Face's permuted rows)
 */
public record VisionWeights(Tensor patchConv, float[] lnPre, List<LayerWeights> layers, float[] preProjectorNorm,
                            Tensor mergingLayer, Tensor wIn, Tensor wOut, RopeStyle ropeStyle) {

    public VisionWeights {
        layers = List.copyOf(layers);
    }
}
