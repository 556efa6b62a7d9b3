package io.sirocco.model;

import io.sirocco.format.ModelFormatException;
import io.sirocco.model.WeightNames.Global;
import io.sirocco.model.WeightNames.Layer;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Finds and checks the dense decoder's tensors in a source: every name present, every shape and type as the config says. */
final class DecoderLoader {
    private final TensorSource src;
    private final WeightNames names;
    private final ModelConfig c;

    DecoderLoader(TensorSource src, WeightNames names, ModelConfig config) {
        this.src = src;
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
        Optional<Tensor> out = find(names.global(Global.OUTPUT));
        Tensor output = out.isPresent() ? checkMatrix(out.get(), emb.rows(), c.dim()) : emb;  // absent: tied embeddings
        return new DecoderWeights(emb, List.copyOf(layers), norm, output);
    }

    private Optional<Tensor> find(List<String> candidates) {
        for (String n : candidates) {
            Optional<Tensor> t = src.find(n);
            if (t.isPresent()) return t;
        }
        return Optional.empty();
    }

    private Tensor require(List<String> candidates) {
        return find(candidates).orElseThrow(() -> new ModelFormatException(src.origin(), "missing tensor " + candidates.getFirst()
                + (candidates.size() > 1 ? " (also tried " + String.join(", ", candidates.subList(1, candidates.size())) + ")" : "")));
    }

    /** A [rows, cols] matrix; rows = -1 accepts any row count. */
    private Tensor matrix(List<String> candidates, long rows, long cols) {
        return checkMatrix(require(candidates), rows, cols);
    }

    private Tensor checkMatrix(Tensor t, long rows, long cols) {
        if (t.rank() != 2 || (rows >= 0 && t.dim(0) != rows) || t.dim(1) != cols)
            throw new ModelFormatException(src.origin(), "tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                    + ", expected [" + (rows < 0 ? "*" : rows) + ", " + cols + "] for " + c);
        checkType(t);
        return t;
    }

    private float[] vector(List<String> candidates, int n) {
        Tensor t = require(candidates);
        if (t.elementCount() != n)
            throw new ModelFormatException(src.origin(), "tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected [" + n + "]");
        checkType(t);
        float[] v = new float[n];
        Kernels.dequantizeRow(new Tensor(t.name(), t.type(), new long[] {1, n}, t.data()), 0, v, 0);
        return v;
    }

    private void checkType(Tensor t) {
        if (!t.type().supported)
            throw new ModelFormatException(src.origin(), "tensor " + t.name() + " has type " + t.type()
                    + ", which Sirocco does not support (supported: F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K)");
        if (t.cols() % t.type().blockSize != 0)
            throw new ModelFormatException(src.origin(), "tensor " + t.name() + " row length " + t.cols() + " is not a multiple of the "
                    + t.type() + " block size " + t.type().blockSize);
    }
}
