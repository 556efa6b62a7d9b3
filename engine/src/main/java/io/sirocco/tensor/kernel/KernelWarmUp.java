package io.sirocco.tensor.kernel;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Collection;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Runs the matrix kernels of the given weight types on small random matrices, at the token counts that pick each
 * path (one token, small batches, one and two token panels), until C2 has compiled them: a server's first request
 * would otherwise run them in the interpreter for seconds (4–6 s on the 24B-shaped bench file). A warm-up through
 * the model itself would have to prefill 70 tokens to reach the two-panel path, which takes far longer on a large
 * model than these matrices do.
 */
public final class KernelWarmUp {
    private KernelWarmUp() {}

    private static final int ROWS = 96, COLS = 1024;  // COLS a multiple of every block size (256 for K types)
    private static final int[] TOKENS = {1, 3, 12, 20, 40, 70};
    private static final int CALLS = 40;

    /** Warms the kernels of {@code types} (those the kernels take; others are skipped) with the current settings. */
    public static void run(Collection<GgmlType> types, WorkerPool pool) {
        run(types, pool, () -> false);
    }

    /** As {@link #run(Collection, WorkerPool)}, stopping between calls once {@code stop} says so. */
    public static void run(Collection<GgmlType> types, WorkerPool pool, BooleanSupplier stop) {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] values = new float[ROWS * COLS];
        for (int i = 0; i < values.length; i++) values[i] = (float) rnd.nextGaussian();
        float[] x = new float[TOKENS[TOKENS.length - 1] * COLS];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] out = new float[TOKENS[TOKENS.length - 1] * ROWS];
        try (Arena arena = Arena.ofShared()) {  // the pool's threads read the matrices
            for (GgmlType type : types.stream().distinct().toList()) {
                if (!type.supported || type.blockSize > COLS || COLS % type.blockSize != 0) continue;
                Tensor w = Quantizer.tensor("warm-up." + type, type, new long[] {ROWS, COLS}, values, arena);
                for (int n : TOKENS)
                    for (int call = 0; call < CALLS; call++) {
                        if (stop.getAsBoolean()) return;
                        Kernels.matmul(w, x, n, out, pool);
                    }
            }
        }
    }
}
