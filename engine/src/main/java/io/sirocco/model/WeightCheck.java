package io.sirocco.model;

import io.sirocco.format.ModelFormatException;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.Kernels;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Finding a model's tensors and checking them before anything runs: present, of the expected shape, of a type Sirocco
 * computes with. Every failure is a {@link ModelFormatException} naming the file, the tensor and what was expected.
 * Shared by the text, Mistral 4 and vision loaders.
 */
public final class WeightCheck {
    private static final String SUPPORTED = Arrays.stream(GgmlType.values()).filter(t -> t.supported).map(Enum::name)
            .collect(Collectors.joining(", "));

    private final TensorSource src;

    public WeightCheck(TensorSource src) {
        this.src = src;
    }

    /** The first of the candidate names present in the source. */
    public Optional<Tensor> find(List<String> candidates) {
        for (String n : candidates) {
            Optional<Tensor> t = src.find(n);
            if (t.isPresent()) return t;
        }
        return Optional.empty();
    }

    /** The first candidate present, or an error "missing {what} NAME (also tried ...)". */
    public Tensor require(List<String> candidates, String what) {
        return find(candidates).orElseThrow(() -> bad("missing " + what + " " + candidates.getFirst()
                + (candidates.size() > 1 ? " (also tried " + String.join(", ", candidates.subList(1, candidates.size())) + ")" : "")));
    }

    /** A [rows, cols] matrix; rows = -1 accepts any row count; {@code context} is named in the error (e.g. the config). */
    public Tensor matrix(Tensor t, long rows, long cols, Object context) {
        if (t.rank() != 2 || (rows >= 0 && t.dim(0) != rows) || t.dim(1) != cols)
            throw bad("tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected [" + (rows < 0 ? "*" : rows) + ", "
                    + cols + "] for " + context);
        return supported(t);
    }

    /** A 3-D tensor [a, b, cols] (stacked experts), slowest dimension first. */
    public Tensor stacked(Tensor t, long a, long b, long cols, Object context) {
        if (t.rank() != 3 || t.dim(0) != a || t.dim(1) != b || t.dim(2) != cols)
            throw bad("tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected [" + a + ", " + b + ", " + cols
                    + "] for " + context);
        return supported(t);
    }

    /** A vector of n values, widened to float (norm weights: a few KB). */
    public float[] vector(Tensor t, int n) {
        if (t.elementCount() != n) throw bad("tensor " + t.name() + " has shape " + Arrays.toString(t.shape()) + ", expected [" + n + "]");
        Tensor row = supported(new Tensor(t.name(), t.type(), new long[] {1, n}, t.data()));
        float[] v = new float[n];
        Kernels.dequantizeRow(row, 0, v, 0);
        return v;
    }

    /** The tensor, if its type has kernels and its rows are whole blocks. */
    public Tensor supported(Tensor t) {
        if (!t.type().supported)
            throw bad("tensor " + t.name() + " has type " + t.type() + ", which Sirocco does not support (supported: " + SUPPORTED + ")");
        if (t.cols() % t.type().blockSize != 0)
            throw bad("tensor " + t.name() + " row length " + t.cols() + " is not a multiple of the " + t.type() + " block size " + t.type().blockSize);
        return t;
    }

    public ModelFormatException bad(String problem) {
        return new ModelFormatException(src.origin(), problem);
    }
}
