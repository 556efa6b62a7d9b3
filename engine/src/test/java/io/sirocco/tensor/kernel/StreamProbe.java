package io.sirocco.tensor.kernel;

import io.sirocco.tensor.HugePages;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * What one core's stream rate over BF16 rows depends on (the BF16 decode gap in BENCHMARKS.md): the same even/odd
 * dot loop over rows × cols bf16 weights from DRAM (2 MiB pages), with the activations (1) from a float array, as
 * {@code BF16Kernel.dotPairs} reads them, (2) held in two registers (wrong sums; the memory side only), (3) from a
 * 2 KB window of the array that C2 cannot hoist. Prints GB/s of weights per variant and pass.
 *
 * <pre>java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *   -cp engine/target/classes:engine/target/test-classes io.sirocco.tensor.kernel.StreamProbe [rows] [cols]</pre>
 */
public final class StreamProbe {
    private StreamProbe() {}

    private static final int L = Vec.L;

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 65536, cols = args.length > 1 ? Integer.parseInt(args[1]) : 5120;
        long bytes = 2L * rows * cols;
        MemorySegment w = HugePages.allocate(bytes);
        Random rnd = new Random(1);
        for (long i = 0; i < bytes; i += 2) w.set(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (0x3c00 + rnd.nextInt(0x200) - 0x100));
        float[] xd = new float[cols];
        for (int i = 0; i < cols; i++) xd[i] = rnd.nextFloat() - 0.5f;
        float[] out = new float[rows];
        for (int pass = 0; pass < 5; pass++) {
            StringBuilder line = new StringBuilder("pass " + pass);
            for (String variant : new String[] {"array", "registers", "window"}) {
                for (int warm = 0; warm < 200; warm++) run(variant, w, 64, cols, xd, out);
                long t0 = System.nanoTime();
                run(variant, w, rows, cols, xd, out);
                line.append(String.format(Locale.ROOT, "  %s %.1f GB/s", variant, bytes / ((System.nanoTime() - t0) / 1e9) / 1e9));
            }
            System.out.println(line + "  (out[5] = " + out[5] + ")");
        }
    }

    private static void run(String variant, MemorySegment w, int rows, int cols, float[] xd, float[] out) {
        switch (variant) {
            case "array" -> { for (int r = 0; r < rows; r++) out[r] = array(w, 2L * r * cols, cols, xd); }
            case "registers" -> { for (int r = 0; r < rows; r++) out[r] = registers(w, 2L * r * cols, cols, xd); }
            default -> { for (int r = 0; r < rows; r++) out[r] = window(w, 2L * r * cols, cols, xd); }
        }
    }

    private static float array(MemorySegment w, long off, int cols, float[] xd) {
        FloatVector even = FloatVector.zero(Vec.F), odd = even;
        for (int c = 0; c < cols; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(Vec.I, w, off + 2L * c, Vec.LE);
            even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(Vec.F, xd, c), even);
            odd = v.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(Vec.F, xd, c + L), odd);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    private static float registers(MemorySegment w, long off, int cols, float[] xd) {
        FloatVector even = FloatVector.zero(Vec.F), odd = even;
        FloatVector x0 = FloatVector.broadcast(Vec.F, xd[0]), x1 = FloatVector.broadcast(Vec.F, xd[1]);
        for (int c = 0; c < cols; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(Vec.I, w, off + 2L * c, Vec.LE);
            even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(x0, even);
            odd = v.and(0xFFFF0000).reinterpretAsFloats().fma(x1, odd);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    private static float window(MemorySegment w, long off, int cols, float[] xd) {
        FloatVector even = FloatVector.zero(Vec.F), odd = even;
        for (int c = 0; c < cols; c += 2 * L) {
            int xi = (c * 7) & (15 * 2 * L);  // 16 positions in a 2 KB window, in an order C2 cannot hoist
            IntVector v = IntVector.fromMemorySegment(Vec.I, w, off + 2L * c, Vec.LE);
            even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(Vec.F, xd, xi), even);
            odd = v.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(Vec.F, xd, xi + L), odd);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }
}
