package io.sirocco.model;

import io.sirocco.model.WeightNames.Global;
import io.sirocco.model.WeightNames.Layer;
import io.sirocco.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds and checks the dense decoder's tensors in a source: every name present, every shape and type as the config says. */
final class DecoderLoader {
    private final WeightCheck check;
    private final WeightNames names;
    private final ModelConfig c;

    DecoderLoader(TensorSource src, WeightNames names, ModelConfig config) {
        this.check = new WeightCheck(src);
        this.names = names;
        this.c = config;
    }

    DecoderWeights load() {
        Tensor emb = matrix(names.global(Global.TOK_EMBEDDINGS), -1, c.dim());
        List<LayerWeights> layers = new ArrayList<>(c.nLayers());
        for (int l = 0; l < c.nLayers(); l++) {
            layers.add(new LayerWeights(
                    vector(names.layer(l, Layer.ATTENTION_NORM), c.dim()),
                    matrix(names.layer(l, Layer.WQ), c.qDim(), c.dim()),
                    matrix(names.layer(l, Layer.WK), c.kvDim(), c.dim()),
                    matrix(names.layer(l, Layer.WV), c.kvDim(), c.dim()),
                    matrix(names.layer(l, Layer.WO), c.dim(), c.qDim()),
                    vector(names.layer(l, Layer.FFN_NORM), c.dim()),
                    matrix(names.layer(l, Layer.W1), c.hiddenDim(), c.dim()),
                    matrix(names.layer(l, Layer.W2), c.dim(), c.hiddenDim()),
                    matrix(names.layer(l, Layer.W3), c.hiddenDim(), c.dim())));
        }
        float[] norm = vector(names.global(Global.NORM), c.dim());
        Optional<Tensor> out = check.find(names.global(Global.OUTPUT));
        Tensor output = out.isPresent() ? check.matrix(out.get(), emb.rows(), c.dim(), c) : emb;  // absent: tied embeddings
        return new DecoderWeights(emb, List.copyOf(layers), norm, output);
    }

    /** A [rows, cols] matrix; rows = -1 accepts any row count. */
    private Tensor matrix(List<String> candidates, long rows, long cols) {
        return check.matrix(check.require(candidates, "tensor"), rows, cols, c);
    }

    private float[] vector(List<String> candidates, int n) {
        return check.vector(check.require(candidates, "tensor"), n);
    }
}
