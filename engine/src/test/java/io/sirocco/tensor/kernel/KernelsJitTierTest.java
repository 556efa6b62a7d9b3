package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every matmul path gives the same bits whether C2 has compiled it or not: this JVM after a warm-up long enough for
 * C2, against a child JVM limited to C1 (which runs the Vector API's Java implementations, as the interpreter does).
 * Covers the file-layout kernels of every type (decode's dot4, dot2 and dot, the small-batch tiles, the BF16 pairs),
 * the int8 decode copies and the int8 prefill. With reduceLanes in the file-layout kernels this failed: C2 sums the
 * lanes as a tree, the Java implementation in order.
 */
class KernelsJitTierTest {
    private static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0,
            GgmlType.Q4_K, GgmlType.Q5_0, GgmlType.Q5_K, GgmlType.Q6_K};
    /** Not a multiple of 4 (dot4 leaves rows to dot) nor of a copy's row group (padding). */
    private static final int ROWS = 258, COLS = 512;

    @Test
    void everyPathIsTheSameCompiledAndNot() throws Exception {
        List<String> compiled = null;
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(1)) {
            Tensor[] ws = matrices(arena);
            for (int rep = 0; rep < 150; rep++) compiled = digest(ws, pool);
        }
        assertThat(childWithC1Only()).as("C1-only child JVM against this JVM after warm-up").isEqualTo(compiled);
    }

    static Tensor[] matrices(Arena arena) {
        Random r = new Random(7);
        float[] values = new float[ROWS * COLS];
        for (int i = 0; i < values.length; i++) values[i] = (float) (r.nextGaussian() * 0.05);
        Tensor[] ws = new Tensor[TYPES.length];
        for (int i = 0; i < TYPES.length; i++) {
            GgmlType t = TYPES[i];
            long rb = t.byteSize(COLS);
            MemorySegment data = arena.allocate(ROWS * rb, 64);
            for (int row = 0; row < ROWS; row++) Quantizer.quantizeRow(t, values, row * COLS, COLS, data, row * rb);
            ws[i] = new Tensor("w" + t, t, new long[] {ROWS, COLS}, data);
        }
        return ws;
    }

    /** One line per type and path: the hash of its outputs' bits. */
    static List<String> digest(Tensor[] ws, WorkerPool pool) {
        Random r = new Random(42);
        float[] x = new float[32 * COLS];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        List<String> lines = new ArrayList<>();
        try {
            for (Tensor w : ws) {
                for (int n : new int[] {1, 3, 4}) lines.add(run(w, x, n, false, false, pool));
                lines.add(w.type() + " dot " + Integer.toHexString(Float.floatToRawIntBits(Kernels.dot(w, 5, x, 3))));
                for (int n : new int[] {1, 2}) lines.add(run(w, x, n, true, false, pool));
                if (Int8PanelMatmul.supports(w.type())) lines.add(run(w, x, 32, false, true, pool));
            }
        } finally {
            Kernels.setInt8Decode(false);
            Kernels.setInt8Prefill(false);
        }
        return lines;
    }

    private static String run(Tensor w, float[] x, int n, boolean int8Decode, boolean int8Prefill, WorkerPool pool) {
        Kernels.setInt8Decode(int8Decode);
        Kernels.setInt8Prefill(int8Prefill);
        float[] out = new float[n * ROWS];
        Kernels.matmul(w, x, n, out, pool);
        String path = int8Decode ? "int8-decode" : int8Prefill ? "int8-prefill" : "file";
        return w.type() + " " + path + " n=" + n + " " + Integer.toHexString(Arrays.hashCode(out));
    }

    private static List<String> childWithC1Only() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("child finished").isTrue();
        assertThat(p.exitValue()).as("child exit status; output: %s", out).isZero();
        return out.lines().toList();
    }

    /** The child JVM: the digest, one line per path. */
    public static final class Child {
        public static void main(String[] args) {
            try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(1)) {
                digest(matrices(arena), pool).forEach(System.out::println);
            }
        }
    }
}
