package io.sirocco.tensor.kernel;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of {@link Kernels#matmul} on one thread: decode (n = 1 on a 16384×5120 matrix, larger than the L3)
 * and prefill (n = 512 on 4096×5120, the shape of Small 3.2's wq), per weight type, with and without the int8
 * prefill path. Run with {@code bench/jmh.sh} (see BENCHMARKS.md); not part of the test suite.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class KernelJmh {
    @Param({"Q4_0", "Q4_K", "Q6_K", "Q8_0", "BF16"})
    public String type;

    @Param({"1", "512"})
    public int n;

    @Param({"false", "true"})
    public boolean int8;

    private Arena arena;
    private WorkerPool pool;
    private Tensor w;
    private float[] x, out;

    @Setup(Level.Trial)
    public void setUp() {
        int rows = n == 1 ? 16384 : 4096, cols = 5120;
        GgmlType t = GgmlType.valueOf(type);
        Random rnd = new Random(1);
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) values[i] = (float) rnd.nextGaussian() * 0.05f;
        arena = Arena.ofShared();
        long rb = t.byteSize(cols);
        MemorySegment data = arena.allocate(rows * rb, 64);
        for (int r = 0; r < rows; r++) Quantizer.quantizeRow(t, values, r * cols, cols, data, r * rb);
        w = new Tensor("w", t, new long[] {rows, cols}, data);
        x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        out = new float[n * rows];
        pool = new WorkerPool(1);
        Kernels.setInt8Prefill(int8);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Kernels.setInt8Prefill(false);
        pool.close();
        arena.close();
    }

    @Benchmark
    public float[] matmul() {
        Kernels.matmul(w, x, n, out, pool);
        return out;
    }
}
