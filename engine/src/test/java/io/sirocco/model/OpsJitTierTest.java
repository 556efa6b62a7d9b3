package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SwiGLU and the attention dot product give the same bits whether C2 has compiled them or not: this JVM, after a
 * warm-up long enough for C2, against a child JVM limited to C1 (which runs the Vector API's Java implementations,
 * as the interpreter does). With the Vector API's own exp and lane sum this failed (SVML against Math.exp, a tree
 * against an in-order sum), and through the int8 rounding of the next matmul it made generations differ now and
 * then in the last digits of a logprob.
 */
class OpsJitTierTest {
    @Test
    void swigluAndDotAreTheSameCompiledAndNot() throws Exception {
        String compiled = null;
        for (int rep = 0; rep < 200; rep++) compiled = digest();
        assertThat(childWithC1Only()).as("C1-only child JVM against this JVM after warm-up").isEqualTo(compiled);
    }

    /** Bits of swiglu over 32768 values and of 4096 dot products of 128 values (attention's head size). */
    static String digest() {
        Random r = new Random(42);
        float[] gate = new float[32768], up = new float[32768];
        for (int i = 0; i < gate.length; i++) {
            gate[i] = (float) (r.nextGaussian() * 4);
            up[i] = (float) r.nextGaussian();
        }
        Ops.swiglu(gate, up, gate.length);
        float[] dots = new float[4096];
        for (int k = 0; k < dots.length; k++) dots[k] = Ops.dot(up, (k * 8) % 32000, gate, (k * 5) % 32000, 128);
        return Integer.toHexString(java.util.Arrays.hashCode(gate)) + " " + Integer.toHexString(java.util.Arrays.hashCode(dots));
    }

    private static String childWithC1Only() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("child finished").isTrue();
        assertThat(p.exitValue()).as("child exit status; output: %s", out).isZero();
        return out;
    }

    /** The child JVM: the digest, printed. */
    public static final class Child {
        public static void main(String[] args) {
            System.out.println(digest());
        }
    }
}
