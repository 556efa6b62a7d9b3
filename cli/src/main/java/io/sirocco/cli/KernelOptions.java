package io.sirocco.cli;

import io.sirocco.tensor.kernel.Kernels;
import picocli.CommandLine.Option;

/** How the kernels compute (int8 activations for prefill and decode): shared by the model commands and bench. */
final class KernelOptions {
    @Option(names = "--int8-prefill", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Prefill Q4_0/Q4_K matrices with int8 activations, as llama.cpp does (~1.5x faster prompt processing; "
                    + "logits move by ~1e-2). --no-int8-prefill keeps f32 activations (default: on).")
    boolean int8Prefill = true;

    @Option(names = "--int8-decode", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Decode over copies of the weight matrices built in the background after load: Q4_0/Q8_0/Q4_K/Q6_K with "
                    + "rows in vector lanes and int8 activations, as llama.cpp does (~2x faster generation; logits move by ~1e-2), "
                    + "BF16 in column slabs (same float math, ~1.7x faster on one thread). Takes memory equal to those matrices. "
                    + "--no-int8-decode keeps f32 activations and the mapped file only (default: on).")
    boolean int8Decode = true;

    void apply() {
        Kernels.setInt8Prefill(int8Prefill);
        Kernels.setInt8Decode(int8Decode);
    }
}
