package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The warm-up runs every supported type through every path (int8 prefill and decode on, as the CLI has them). */
class KernelWarmUpTest {
    @Test
    void runsEveryTypeAtEveryTokenCount() {
        List<GgmlType> types = Stream.of(GgmlType.values()).filter(t -> t.supported).toList();
        assertThat(types).contains(GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.BF16, GgmlType.F32);
        try (WorkerPool pool = new WorkerPool(2)) {
            Kernels.setInt8Prefill(true);
            Kernels.setInt8Decode(true);
            KernelWarmUp.run(types, pool);  // any path that cannot take these shapes throws
        } finally {
            Kernels.setInt8Prefill(false);
            Kernels.setInt8Decode(false);
        }
    }
}
