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
            description = "Decode Q4_0/Q8_0/Q4_K/Q6_K matrices with int8 activations over a copy of each repacked with rows in vector "
                    + "lanes on first use, as llama.cpp does (~2x faster generation; takes memory equal to those matrices; "
                    + "logits move by ~1e-2). --no-int8-decode keeps f32 activations and the mapped file only (default: on).")
    boolean int8Decode = true;

    void apply() {
        Kernels.setInt8Prefill(int8Prefill);
        Kernels.setInt8Decode(int8Decode);
    }
}
