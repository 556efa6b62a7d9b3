package io.sirocco.tensor.kernel;

import java.lang.management.ManagementFactory;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Whether the Vector API runs as SIMD instructions on this JVM. Without the C2 compiler (an interpreter-only or
 * C1-only JVM, {@code -XX:TieredStopAtLevel<4}) vector code falls back to Java objects per lane and is tens of times
 * slower than plain loops, so every kernel would be: better to say so loudly than to be silently slow.
 *
 * <p>The check times a vector dot product against the scalar one once both are compiled: SIMD makes the vector one
 * several times faster, the fallback makes it slower.
 */
public final class SimdCheck {
    private SimdCheck() {}

    private static volatile String verdict;

    /** A one-line description: species, and whether vector code beat scalar code (e.g. "SIMD ok: 512-bit, 9.1× scalar"). */
    public static synchronized String run() {
        if (verdict != null) return verdict;
        String reason = flagProblem();
        float[] a = new float[4096], b = new float[4096];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) * 0.25f;
            b[i] = (i % 5) * 0.5f;
        }
        // Until both loops are compiled by C2 and vector code wins: usually well under a second, up to 5 s on a
        // loaded machine where the compiler threads get little CPU.
        long deadline = System.nanoTime() + 5_000_000_000L;
        double vec = Double.MAX_VALUE, sca = Double.MAX_VALUE;
        float sink = 0;
        for (int round = 0; System.nanoTime() < deadline && !(round > 200 && sca / vec >= 4); round++) {
            long t0 = System.nanoTime();
            for (int k = 0; k < 50; k++) sink += vectorDot(a, b);
            long t1 = System.nanoTime();
            for (int k = 0; k < 50; k++) sink += scalarDot(a, b);
            long t2 = System.nanoTime();
            vec = Math.min(vec, t1 - t0);
            sca = Math.min(sca, t2 - t1);
        }
        double speedup = sca / vec;
        String species = Vec.F.vectorBitSize() + "-bit " + Vec.F.length() + " float lanes";
        boolean ok = speedup >= 2 && reason == null;
        verdict = String.format(java.util.Locale.ROOT, "%s: %s, vector dot %.1f× the scalar one%s%s", ok ? "SIMD ok" : "SIMD NOT ACTIVE",
                species, speedup, reason != null ? " (" + reason + ")" : "", sink == 42 ? " " : "");
        return verdict;
    }

    /** Runs the check and prints a loud warning to stderr when the Vector API is not compiled to SIMD; returns the verdict. */
    public static String warnIfNotCompiled() {
        String v = run();
        if (!v.startsWith("SIMD ok")) {
            System.err.println("*".repeat(100));
            System.err.println("WARNING: the Java Vector API is not compiled to SIMD instructions on this JVM; everything will be very slow.");
            System.err.println("  " + v);
            System.err.println("  Run a HotSpot JDK 25+ with the C2 compiler (no -Xint, no -XX:TieredStopAtLevel below 4) and --add-modules jdk.incubator.vector.");
            System.err.println("*".repeat(100));
        }
        return v;
    }

    /** A JVM flag that rules out compiled vector code, or null. */
    private static String flagProblem() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String a : args) {
            if (a.equals("-Xint")) return "-Xint";
            if (a.startsWith("-XX:TieredStopAtLevel=") && !a.endsWith("=4")) return a;
            if (a.equals("-XX:-UseCompiler")) return a;
        }
        if (Vec.F.length() < 4) return "preferred vector species has fewer than 4 float lanes";
        return null;
    }

    private static float vectorDot(float[] a, float[] b) {
        FloatVector acc = FloatVector.zero(Vec.F);
        int i = 0;
        for (int bound = Vec.F.loopBound(a.length); i < bound; i += Vec.L)
            acc = FloatVector.fromArray(Vec.F, a, i).fma(FloatVector.fromArray(Vec.F, b, i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static float scalarDot(float[] a, float[] b) {
        float s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
