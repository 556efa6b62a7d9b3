package io.sirocco.cli;

import io.sirocco.model.Model;
import io.sirocco.model.ModelConfig;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** What a model file holds. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Print architecture, dimensions, tensor types, tokenizer, context length and sizes.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Override
    public Integer call() {
        try (Model model = modelOptions.load()) {
            ModelConfig c = model.config();
            System.out.println("source:        " + model.source() + " (" + model.format() + ")");
            System.out.println("architecture:  " + c.architecture());
            System.out.printf("dimensions:    dim %d, layers %d, heads %d (kv %d), head_dim %d, ffn %d, vocab %d%n", c.dim(), c.nLayers(),
                    c.nHeads(), c.nKvHeads(), c.headDim(), c.hiddenDim(), c.vocabSize());
            System.out.println("rope:          theta " + c.ropeTheta() + ", " + c.ropeStyle());
            System.out.println("norm eps:      " + c.normEps());
            System.out.println("context:       " + (c.contextLength() > 0 ? c.contextLength() : "not stated"));
            System.out.println("tokenizer:     " + model.tokenizer().getClass().getSimpleName() + ", " + model.tokenizer().vocabSize() + " ids"
                    + model.tokenizer().version().map(v -> ", version " + v).orElse("") + ", bos " + model.tokenizer().bosId()
                    + ", eos " + model.tokenizer().eosId());
            Map<GgmlType, long[]> byType = new TreeMap<>();
            for (Tensor t : model.tensors()) {
                long[] a = byType.computeIfAbsent(t.type(), k -> new long[3]);
                a[0]++;
                a[1] += t.elementCount();
                a[2] += t.data().byteSize();
            }
            long params = 0, bytes = 0;
            for (var e : byType.entrySet()) {
                System.out.printf("tensors %-6s %5d tensors, %,15d parameters, %,15d bytes%n", e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]);
                params += e.getValue()[1];
                bytes += e.getValue()[2];
            }
            System.out.printf("total:         %,d parameters, %.3f GB of weights%n", params, bytes / 1e9);
        }
        return 0;
    }
}
