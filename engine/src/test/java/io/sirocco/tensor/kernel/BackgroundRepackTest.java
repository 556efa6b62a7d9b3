package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The background job builds exactly the copies decode would build itself, and decode results do not depend on how
 * far it got: before, during and after it, a matrix-vector product equals the one over a copy packed on the spot.
 */
class BackgroundRepackTest {
    Arena arena;
    WorkerPool pool;

    @BeforeEach
    void start() {
        arena = Arena.ofShared();
        pool = new WorkerPool(2);
        Kernels.setInt8Decode(true);
    }

    @AfterEach
    void stop() {
        Kernels.setInt8Decode(false);
        pool.close();
        arena.close();
    }

    @Test
    void buildsTheCopiesDecodeWouldUseAndNoOthers() throws InterruptedException {
        Tensor q4k = KernelsTest.randomTensor(arena, GgmlType.Q4_K, 40, 512, 1);
        Tensor q8 = KernelsTest.randomTensor(arena, GgmlType.Q8_0, 33, 96, 2);
        Tensor f32 = KernelsTest.randomTensor(arena, GgmlType.F32, 8, 64, 3);
        Tensor bf16 = KernelsTest.randomTensor(arena, GgmlType.BF16, 8, 64, 4);
        Tensor view = new Tensor("view", GgmlType.Q4_0, q8.shape(), KernelsTest.randomTensor(arena, GgmlType.Q4_0, 33, 96, 5).data(),
                Tensor.Derived.NONE);
        BackgroundRepack job = BackgroundRepack.start(List.of(q4k, q8, f32, bf16, view, q4k));
        assertThat(job.matrices()).isEqualTo(2);
        assertThat(job.await()).isGreaterThanOrEqualTo(0);
        assertThat(job.done()).isTrue();
        assertThat(q4k.derived().get()).isInstanceOf(InterleavedRows.class);
        assertThat(q8.derived().get()).isInstanceOf(InterleavedRows.class);
        assertThat(f32.derived().get()).isNull();
        assertThat(bf16.derived().get()).isNull();
        assertThat(view.derived().get()).isNull();
        for (Tensor w : List.of(q4k, q8)) assertThat(product(w)).containsExactly(productOverFreshCopy(w));
    }

    @Test
    void nothingWhenInt8DecodeIsOff() throws InterruptedException {
        Kernels.setInt8Decode(false);
        Tensor w = KernelsTest.randomTensor(arena, GgmlType.Q4_0, 40, 256, 6);
        BackgroundRepack job = BackgroundRepack.start(List.of(w));
        assertThat(job).isSameAs(BackgroundRepack.NONE);
        assertThat(job.await()).isZero();
        assertThat(w.derived().get()).isNull();
    }

    @Test
    void decodeWhileTheJobRunsGivesTheSameResultsAsWithoutIt() throws InterruptedException {
        List<Tensor> matrices = new ArrayList<>();
        GgmlType[] types = {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K};
        for (int i = 0; i < 24; i++) matrices.add(KernelsTest.randomTensor(arena, types[i % 4], 300, 1024, 10 + i));
        List<float[]> expected = matrices.stream().map(this::productOverFreshCopy).toList();
        BackgroundRepack job = BackgroundRepack.start(matrices);
        for (int i = matrices.size() - 1; i >= 0; i--)  // from the end: the job has not reached these yet, or is on them
            assertThat(product(matrices.get(i))).as("matrix %d", i).containsExactly(expected.get(i));
        job.await();
        for (Tensor w : matrices) assertThat(w.derived().get()).isInstanceOf(InterleavedRows.class);
    }

    @Test
    void closeStopsTheJobAndDecodeBuildsWhatItLeft() {
        List<Tensor> matrices = new ArrayList<>();
        for (int i = 0; i < 40; i++) matrices.add(KernelsTest.randomTensor(arena, GgmlType.Q6_K, 1024, 2048, 40 + i));
        BackgroundRepack job = BackgroundRepack.start(matrices);
        job.close();
        assertThat(job.done()).isTrue();
        long left = matrices.stream().filter(w -> w.derived().get() == null).count();
        assertThat(left).as("a close right after the start leaves most matrices unbuilt").isPositive();
        for (Tensor w : matrices) assertThat(product(w)).containsExactly(productOverFreshCopy(w));
    }

    @Test
    void copiesStopAtTheBudgetAndTheRestStayOnTheFile() throws InterruptedException {
        Tensor first = KernelsTest.randomTensor(arena, GgmlType.Q4_0, 64, 512, 90);
        Tensor second = KernelsTest.randomTensor(arena, GgmlType.Q4_0, 64, 512, 91);
        long size = InterleavedRows.byteSize(GgmlType.Q4_0, 64, 512);
        try {
            Kernels.setDecodeCopyBudget(InterleavedRows.copiedBytes() + size + size / 2);  // room for one more copy
            BackgroundRepack.start(List.of(first, second)).await();
            assertThat(first.derived().get()).isInstanceOf(InterleavedRows.class);
            assertThat(second.derived().get()).isNotNull().isNotInstanceOf(InterleavedRows.class);  // refused, kept so
            float[] onTheFile = new float[64];
            Kernels.setInt8Decode(false);
            Kernels.matmul(second, activations(second), 1, onTheFile, pool);
            Kernels.setInt8Decode(true);
            assertThat(product(second)).containsExactly(onTheFile);
            assertThat(product(first)).containsExactly(productOverFreshCopy(first));
        } finally {
            Kernels.setDecodeCopyBudget(Long.MAX_VALUE);
        }
    }

    /** Row · x through Kernels.matmul (int8 decode on): the copy if built, else built now. */
    private float[] product(Tensor w) {
        float[] out = new float[(int) w.rows()];
        Kernels.matmul(w, activations(w), 1, out, pool);
        return out;
    }

    private float[] productOverFreshCopy(Tensor w) {
        float[] out = new float[(int) w.rows()];
        Int8Decode.matmul(InterleavedRows.pack(w, pool), activations(w), 0, out, 0, pool);
        return out;
    }

    private static float[] activations(Tensor w) {
        return KernelsTest.random(new Random(w.rows() * 31 + w.cols()), (int) w.cols(), 1f);
    }
}
