package io.sirocco.tensor.kernel;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Random;

/**
 * Standalone timing harness for {@link Kernels#matmul} (not a unit test): a rows×cols matrix per type, n activation
 * rows, reported as GB/s of weights read (decode) and GFLOP/s. Usage:
 * {@code java -cp ... io.sirocco.tensor.kernel.KernelBench [types=Q4_0,Q4_K,Q6_K,Q8_0,BF16] [n=1] [threads=1] [rows=5120] [cols=5120] [seconds=2] [std=0.05] [int8=false] [pollute=false]}
 * (arguments as key=value). Alternates the types over several passes because the machine is shared. pollute=true first
 * loads vectors through heap, mapped and allocated segments, as a running model does (packing, mapped weights,
 * copies), so that the JDK's profile of those loads is megamorphic as it is in the model: kernels that depend on
 * that profile run slower there than in a bench that only ever sees one kind of segment (see {@link Segments}).
 */
public final class KernelBench {
    public static void main(String[] args) throws Exception {
        String types = "Q4_0,Q4_K,Q6_K,Q8_0,BF16";
        int n = 1, threads = 1, rows = 5120, cols = 5120, passes = 3;
        double seconds = 1, std = 0.05;
        boolean mapped = false, huge = false, pollute = false;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "types" -> types = kv[1];
                case "n" -> n = Integer.parseInt(kv[1]);
                case "threads" -> threads = Integer.parseInt(kv[1]);
                case "rows" -> rows = Integer.parseInt(kv[1]);
                case "cols" -> cols = Integer.parseInt(kv[1]);
                case "seconds" -> seconds = Double.parseDouble(kv[1]);
                case "passes" -> passes = Integer.parseInt(kv[1]);
                case "std" -> std = Double.parseDouble(kv[1]);
                case "mapped" -> mapped = Boolean.parseBoolean(kv[1]);
                case "huge" -> huge = Boolean.parseBoolean(kv[1]);
                case "pollute" -> pollute = Boolean.parseBoolean(kv[1]);
                case "int8" -> Kernels.setInt8Prefill(Boolean.parseBoolean(kv[1]));
                case "int8decode" -> Kernels.setInt8Decode(Boolean.parseBoolean(kv[1]));
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        String[] names = types.split(",");
        Random rnd = new Random(1);
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) values[i] = (float) (rnd.nextGaussian() * std);
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] out = new float[n * rows];
        Tensor[] ws = new Tensor[names.length];
        Arena arena = Arena.ofShared();
        for (int i = 0; i < names.length; i++) {
            GgmlType t = GgmlType.valueOf(names[i]);
            long rb = t.byteSize(cols);
            MemorySegment data = arena.allocate(rows * rb, 64);
            for (int r = 0; r < rows; r++) Quantizer.quantizeRow(t, values, r * cols, cols, data, r * rb);
            if (huge) {  // anonymous memory advised for transparent huge pages, as decode's repacked copies
                MemorySegment h = io.sirocco.tensor.HugePages.allocate(data.byteSize());
                h.copyFrom(data);
                data = h;
            }
            if (mapped) {  // through a file mapping, as a model's weights are (page cache, not anonymous memory)
                java.nio.file.Path f = java.nio.file.Files.createTempFile("kernelbench", ".bin");
                f.toFile().deleteOnExit();
                try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                    var buf = data.asByteBuffer();
                    while (buf.hasRemaining()) ch.write(buf, buf.position());  // write may stop short of the end
                    data = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, data.byteSize(), arena);
                }
            }
            ws[i] = new Tensor("w", t, new long[] {rows, cols}, data);
        }
        if (pollute) pollute(arena);
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int pass = 0; pass < passes; pass++) {
                for (Tensor w : ws) {
                    long t0 = System.nanoTime(), calls = 0;
                    while (System.nanoTime() - t0 < seconds * 0.3e9) { Kernels.matmul(w, x, n, out, pool); calls++; }
                    long a0 = mx.getCurrentThreadAllocatedBytes();
                    t0 = System.nanoTime();
                    calls = 0;
                    long el, best = Long.MAX_VALUE, bestCpu = Long.MAX_VALUE;
                    do {
                        long c0 = System.nanoTime(), u0 = mx.getCurrentThreadCpuTime();
                        Kernels.matmul(w, x, n, out, pool);
                        best = Math.min(best, System.nanoTime() - c0);
                        bestCpu = Math.min(bestCpu, mx.getCurrentThreadCpuTime() - u0);
                        calls++;
                    } while ((el = System.nanoTime() - t0) < seconds * 1e9);
                    long alloc = (mx.getCurrentThreadAllocatedBytes() - a0) / calls;
                    double perCall = best / 1e9;  // best call: the machine is shared, the mean measures the other jobs
                    double gb = w.data().byteSize() / perCall / 1e9;
                    double gflops = 2.0 * rows * cols * n / perCall / 1e9;
                    System.out.printf("pass %d %-5s n=%-3d t=%d  %8.3f ms/call (best)  %6.2f GB/s  %7.2f GFLOP/s  %d B alloc/call  caller CPU %.3f ms/call (best)  (out[0]=%g)%n",
                            pass, w.type(), n, threads, perCall * 1e3, gb, gflops, alloc, bestCpu / 1e6, out[0]);
                }
            }
        }
    }

    /** Vector loads through a heap, a mapped and an allocated segment, in three shapes, until C2 has profiled them. */
    private static void pollute(Arena arena) throws java.io.IOException {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("kernelbench", ".bin");
        f.toFile().deleteOnExit();
        java.nio.file.Files.write(f, new byte[4096]);
        MemorySegment mapped;
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.READ)) {
            mapped = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, 4096, arena);
        }
        long sum = 0;
        for (MemorySegment m : new MemorySegment[] {MemorySegment.ofArray(new byte[4096]), mapped, arena.allocate(4096, 64)})
            for (var shape : new jdk.incubator.vector.VectorShape[] {jdk.incubator.vector.VectorShape.S_128_BIT,
                    jdk.incubator.vector.VectorShape.S_256_BIT, jdk.incubator.vector.VectorShape.preferredShape()})
                for (int i = 0; i < 20_000; i++) {
                    sum += jdk.incubator.vector.ShortVector.fromMemorySegment(jdk.incubator.vector.VectorSpecies.of(short.class, shape), m, 64, java.nio.ByteOrder.LITTLE_ENDIAN).lane(1);
                    sum += jdk.incubator.vector.ByteVector.fromMemorySegment(jdk.incubator.vector.VectorSpecies.of(byte.class, shape), m, 64, java.nio.ByteOrder.LITTLE_ENDIAN).lane(1);
                }
        if (sum != 0) throw new AssertionError();
    }
}
