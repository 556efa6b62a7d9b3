package io.sirocco.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float vector steps whose results do not depend on how far the JIT has compiled the code.
 *
 * <p>Two Vector API operations give different bits in interpreted or C1 code than in C2 code, and so made the same
 * prompt give logits that differed in the last digits depending on warm-up: {@code reduceLanes(ADD)} adds the lanes in
 * order in Java and as a tree in C2, and {@code lanewise(EXP)} is {@code Math.exp} per lane in Java and the SVML
 * library in C2 (measured on JDK 25: 2820 of 4096 sums and 16 of 4096 exponentials differed). The methods here use
 * only lane moves and correctly rounded arithmetic, so every tier computes the same bits, and each has a scalar twin
 * that computes them too (the reference the tests compare against bit for bit).
 *
 * <p>Used by every float reduction of the model path: SwiGLU, attention scores and values, MLA, the Σx of the int8
 * prefill, the BF16 decode slabs, and the file-layout kernels ({@link RowKernel}: decode in the library's default
 * setting and with --no-int8-decode, types without copies, the small-batch tiles). Those kernels are too large for
 * C2 to inline a helper that takes a vector, and a call left out of line boxes it, so they store their accumulators
 * into a scratch array and reduce it with the scalar twin ({@link #sum(float[], int, int)}), which gives the same bits.
 */
public final class FloatLanes {
    private FloatLanes() {}

    // Lane i <-> lane i xor h, one constant per species and h (C2 needs each shuffle's exact class to intrinsify it).
    static final VectorShuffle<Float> W8 = swap(FloatVector.SPECIES_512, 8), W4 = swap(FloatVector.SPECIES_512, 4),
            W2 = swap(FloatVector.SPECIES_512, 2), W1 = swap(FloatVector.SPECIES_512, 1);
    private static final VectorShuffle<Float> Y4 = swap(FloatVector.SPECIES_256, 4), Y2 = swap(FloatVector.SPECIES_256, 2),
            Y1 = swap(FloatVector.SPECIES_256, 1);
    private static final VectorShuffle<Float> X2 = swap(FloatVector.SPECIES_128, 2), X1 = swap(FloatVector.SPECIES_128, 1);

    private static VectorShuffle<Float> swap(VectorSpecies<Float> sp, int h) {
        return VectorShuffle.fromOp(sp, i -> i ^ h);
    }

    /**
     * Σ of the lanes, as a fixed tree: with n lanes, lane i += lane i xor h for h = n/2, …, 1, then lane 0 (see
     * {@link #sum(float[])}). Each method here stays under C2's 35-byte limit for inlining a call it deems cold: a
     * call left out of line would box its vector argument. Kernels so large that C2 stops inlining anything but the
     * JDK's own methods (NodeCountInliningCutoff) fold with {@link #W8} … {@link #W1} in place.
     */
    public static float sum(FloatVector v) {
        return v.length() == 16 ? sum16(v) : sumShorter(v);
    }

    private static float sumShorter(FloatVector v) {
        return v.length() == 8 ? sum8(v) : sumShortest(v);
    }

    private static float sumShortest(FloatVector v) {
        return v.length() == 4 ? sum4(v) : sumOther(v);
    }

    /** Other lane counts (2, or more than 16 on wide SVE machines): the scalar twin, the same tree. */
    private static float sumOther(FloatVector v) {
        return sum(v.toArray());
    }

    private static float sum16(FloatVector v) {
        return fold(fold(fold(fold(v, W8), W4), W2), W1).lane(0);
    }

    private static float sum8(FloatVector v) {
        return fold(fold(fold(v, Y4), Y2), Y1).lane(0);
    }

    private static float sum4(FloatVector v) {
        return fold(fold(v, X2), X1).lane(0);
    }

    private static FloatVector fold(FloatVector v, VectorShuffle<Float> swap) {
        return v.add(v.rearrange(swap));
    }

    /**
     * The scalar twin of {@link #sum(FloatVector)}: lanes.length a power of two. Only lanes below h feed lane 0, and
     * for them i xor h is i + h, so the tree is kept in place on those lanes, with the vector's operand order.
     */
    public static float sum(float[] lanes) {
        return sum(lanes.clone(), 0, lanes.length);
    }

    /**
     * {@link #sum(float[])} of lanes[off .. off + n), in place (those lanes are overwritten). This is how the
     * file-layout kernels ({@link RowKernel}) reduce: they store their accumulators into a scratch array and call
     * this, because they are too large for C2 to inline a helper that takes a vector, and such a call boxes it.
     */
    public static float sum(float[] lanes, int off, int n) {
        for (int h = n / 2; h >= 1; h /= 2)
            for (int i = off; i < off + h; i++) lanes[i] = lanes[i] + lanes[i + h];
        return lanes[off];
    }

    /** out[o + g·stride] = {@link #sum(float[], int, int)} of lanes[g·n .. (g + 1)·n) for g &lt; groups. */
    public static void sums(float[] lanes, int groups, int n, float[] out, int o, int stride) {
        for (int g = 0; g < groups; g++) out[o + g * stride] = sum(lanes, g * n, n);
    }

    // exp(x) = 2^n · e^r with n = round(x / ln 2) and |r| ≤ ln 2 / 2; ln 2 in two parts so that x − n·ln 2 is exact
    // enough, e^r from Cephes' degree-7 expf polynomial (max error ≈ 1 ulp over the float range, measured in tests).
    private static final float LOG2E = 1.44269504088896341f;
    private static final float ROUND = 12582912f;  // 1.5 · 2^23: adding it rounds to an integer
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
            P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    /** Beyond these e^x is 0 or +∞ in float anyway; clamping keeps n inside the two scale factors' range. */
    private static final float LO = -104f, HI = 89f;

    /**
     * e^x per lane, within 2 ulp of the exact value over the whole float range (subnormal results included): 0 below
     * ≈ −103.97, +∞ above ≈ 88.72, NaN for NaN.
     */
    public static FloatVector exp(FloatVector x) {
        x = x.max(LO).min(HI);
        FloatVector n = x.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), x);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(P0, P1).fma(r, x.broadcast(P2)).fma(r, x.broadcast(P3)).fma(r, x.broadcast(P4)).fma(r, x.broadcast(P5));
        p = p.mul(r.mul(r)).add(r).add(1f);
        // 2^n as two normal factors (n/2 and the rest): the product may be subnormal or overflow, both rounded once.
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
        FloatVector s1 = (FloatVector) n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = (FloatVector) n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
    public static float exp(float x) {
        x = Math.min(Math.max(x, LO), HI);
        float n = Math.fma(x, LOG2E, ROUND) - ROUND;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, P0, P1), r, P2), r, P3), r, P4), r, P5);
        p = p * (r * r) + r + 1f;
        int ni = (int) n, n1 = ni >> 1, n2 = ni - n1;
        return p * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat((n2 + 127) << 23);
    }

    /** silu(g) = g / (1 + e^−g) per lane. */
    public static FloatVector silu(FloatVector g) {
        return g.div(exp(g.neg()).add(1f));
    }

    /** The scalar twin of {@link #silu(FloatVector)}. */
    public static float silu(float g) {
        return g / (exp(-g) + 1f);
    }
}
