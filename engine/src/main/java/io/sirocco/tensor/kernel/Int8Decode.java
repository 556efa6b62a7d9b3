package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.InterleavedRows.G;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix-vector product (decode) over {@link InterleavedRows} with the activations quantized to int8, as llama.cpp
 * computes every quantized type: per 32 values for Q4_0, Q8_0 and Q5_0 (its q8_0), per 256 for the K types (its q8_K).
 *
 * <p>Lane l of every vector is row l of a group of G (Q4_0 and Q4_K: rows l, l + G, l + 2G and l + 3G of a quad, one
 * nibble each, see {@link #q4_0}; Q5_K and Q6_K: rows l and l + G, one byte each, see {@link #pairSums}). Per column the
 * lanes are multiplied by the column's broadcast activation; the products add up in 16-bit lanes over as many columns
 * as cannot overflow, then in 32-bit lanes scaled by the integer sub-block scales, and only once per block in floats:
 * ≈ 3 vector ops per G·1 weights where the float kernels ({@link RowKernel}) need ≈ 10 per 32. Bounds: Q4_0 and Q4_K
 * sum 32 products mod 2^16 whose result |Σ (q − 8)·x8| ≤ 32·8·127 (32 512 &lt; 2^15); Q6_K 8 products mod 2^16 whose
 * result |Σ (q − 32)·x8| ≤ 8·32·127 (32 512); Q5_K 8 products, |Σ (q − 16)·x8| ≤ 8·16·127 (16 256, so two such sums
 * still add up in 16 bits); Q8_0 2 products ≤ 128·127 (32 512).
 *
 * <p>Every kernel casts its segment to {@link Segments#NATIVE} before loading from it (see there).
 *
 * <p>The result equals the f32 dot product of the dequantized weights with the dequantized activations, up to
 * float rounding: the only extra error is the activations' 8 bits.
 */
final class Int8Decode {
    private Int8Decode() {}

    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, Vec.F.vectorShape());  // G lanes
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(G * 8));
    private static final VectorSpecies<Float> F = Vec.F;  // G / 2 lanes
    private static final int H = G / 2;
    /**
     * The exact classes of S's vectors and of their int reinterpretation (Short512Vector and Int512Vector on AVX-512).
     * q4_0, quadPart and pairSums cast every vector to them before calling its methods, because C2 cannot see the class of
     * a vector that a Vector API call returned before that call is inlined (the intrinsics inline late). Meanwhile it
     * binds the vector's own methods (mul(short) reaches broadcast and lanewise through virtual calls) by the JDK's type
     * profile, which every shape of ShortVector in the process shares. With 256-bit ones also in use (prefill, packing)
     * that profile is bimorphic, and in some JVMs (two of eight plain bench runs, four of seven profiled ones) C2
     * compiled both shapes and boxed the vectors: Q4_K_M decode at 8.6–10.8 t/s for the whole run instead of 15–17
     * (one thread, Zen 4); none in 26 runs with the casts. q4_0 showed no such runs on Zen 4 and takes the same casts
     * as a guard (the same speed in ten alternating runs). Class.cast is an intrinsic, so
     * the casts do not count against C2's inlining budget as a helper method would (NodeCountInliningCutoff).
     */
    private static final Class<? extends ShortVector> SHORTS = ShortVector.zero(S).getClass();
    private static final Class<? extends IntVector> INTS = ShortVector.zero(S).reinterpretAsInts().getClass();
    /**
     * How far ahead of its loads Q4_0 decode touches the copy, one byte per 64-byte column: a software prefetch that
     * the Vector API lacks. On a Xeon, KernelBench 131072×5120 from DRAM: 35.8 ms untouched, 32.3 at 1 KB, 30.9 at
     * 2 KB, 31.9 at 4 KB, 33.6 at 16 KB; the model's Q4_0 decode 7.8–8.1 → 8.2–8.5 t/s on one thread.
     */
    private static final long AHEAD = 2048;
    /** Where the touched bytes go, so that C2 keeps the loads. */
    @SuppressWarnings("unused")
    private static int touched;
    /** H lanes: one float vector's worth of 16-bit and 8-bit values. */
    private static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(H * 16));
    private static final VectorSpecies<Byte> BH = VectorSpecies.of(byte.class, VectorShape.forBitSize(H * 8));

    /** Activations quantized per block: q[cols], d[cols / block], and Σq per 32 values (sums[cols / 32]). */
    record Quantized(short[] q, float[] d, int[] sums) {}

    /**
     * Per block of {@code block} values, d = max|x| / 127 and q = round(x / d), halves away from zero; Σq per 32
     * values (the Q4_0 offset of 8 and the Q4_K mins multiply them).
     */
    static Quantized quantize(float[] x, int off, int cols, int block) {
        short[] q = new short[cols];
        float[] d = new float[cols / block];
        int[] sums = new int[cols / 32];
        for (int b = 0; b < cols / block; b++) {
            float m = 0;
            for (int i = 0; i < block; i++) m = Math.max(m, Math.abs(x[off + b * block + i]));
            float id = m == 0 ? 0 : 127f / m;
            d[b] = m / 127f;
            for (int i = 0; i < block; i++) {
                int c = b * block + i;
                float v = x[off + c] * id;
                q[c] = (short) (int) (v + (v < 0 ? -0.5f : 0.5f));
                sums[c / 32] += q[c];
            }
        }
        return new Quantized(q, d, sums);
    }

    /**
     * Whether n activation rows (a batch of sequences decoding together) take this path rather than the float
     * kernels: each row costs one pass at L2 speed, so for Q4_0 and Q8_0, whose float path dequantizes once for all
     * rows, it pays up to 8 and 4 rows; for the K types, whose dequantization is slow, up to where the token-panel
     * path begins (KernelBench 16384×5120, one thread, float → int8: n=2 Q4_0 20.1 → 5.0 ms, Q4_K 70.5 → 5.1;
     * n=8 Q4_0 20.3 → 17.9, Q4_K 74.7 → 18.2, Q8_0 24.2 → 27.1).
     */
    static boolean takes(GgmlType type, int n) {
        return switch (type) {
            case Q4_0 -> n <= 8;
            case Q8_0, Q5_0 -> n <= 4;  // Q5_0's copy is Q8_0 (InterleavedRows)
            case Q4_K, Q5_K, Q6_K -> n < Vec.L;
            default -> false;  // BF16's copy (column slabs) is read by BF16Kernel.slabs and slabsBatch
        };
    }

    /** out[outOff + r] = row r of p · x[xOff ..], groups of rows split across {@code pool}. */
    static void matmul(InterleavedRows p, float[] x, int xOff, float[] out, int outOff, WorkerPool pool) {
        matmul(p, x, xOff, 1, out, outOff, pool);
    }

    /**
     * out[outOff + t·rows + r] = row r of p · x[xOff + t·cols ..] for t &lt; n: per group the n activation rows one
     * after the other, so the group's bytes come from memory once and from L2 for the other rows.
     */
    static void matmul(InterleavedRows p, float[] x, int xOff, int n, float[] out, int outOff, WorkerPool pool) {
        Quantized[] xq = new Quantized[n];
        for (int t = 0; t < n; t++) xq[t] = quantize(x, xOff + t * p.cols, p.cols, p.blockCols);
        pool.parallelForRange(p.groups, 1, (g0, g1) -> {
            int gr = p.groupRows;
            float[] tail = new float[gr];
            short[] rs = gr > G ? new short[64 * G] : null;  // row sums: of a block (Q4_0), 8 sub-blocks (Q4_K, Q5_K), 16 (Q6_K)
            int[] acc = new int[G];  // Q8_0: a block's int sums (q8Pairs)
            for (int g = g0; g < g1; g++) {
                int r0 = g * gr;
                boolean whole = r0 + gr <= p.rows;
                long at = g * p.groupBytes;
                for (int t = 0; t < n; t++) {
                    float[] o = whole ? out : tail;
                    int oo = whole ? outOff + t * p.rows + r0 : 0;
                    Quantized q = xq[t];
                    int nb = p.cols / p.blockCols;
                    switch (p.type) {
                        case Q4_0 -> q4_0(p.data, at, nb, q.q, q.d, q.sums, rs, o, oo);
                        case Q8_0, Q5_0 -> q8_0(p.data, at, nb, q.q, q.d, acc, o, oo);
                        case Q4_K -> q4_K(p.data, at, nb, q.q, q.d, q.sums, rs, o, oo);
                        case Q5_K -> q5_K(p.data, at, nb, q.q, q.d, q.sums, rs, o, oo);
                        case Q6_K -> q6_K(p.data, at, nb, q.q, q.d, rs, o, oo);
                        default -> throw Checks.unsupported(p.type);
                    }
                    if (!whole) System.arraycopy(tail, 0, out, outOff + t * p.rows + r0, p.rows - r0);
                }
            }
        });
    }

    /*
     * The kernels below keep their vectors inside one method: C2 gave up inlining even small helpers that take or
     * return vectors ("NodeCountInliningCutoff", "callee uses too much stack") and then boxed every vector, 5× slower.
     * Helpers that hand their results over through a small array (quadPart, pairSums) are safe. That holds for the f16
     * conversion too: as a one-line helper it cost 70–500 KB allocated per call and up to 1.6× the time (KernelBench
     * 256×5120), so its copies (Q4_0, Q8_0) stay; Q4_K has its own, and the Q6_K copy holds its scales as floats.
     * f16 scales become floats by bit moves: sign to bit 31, exponent and mantissa shifted up 13, then × 2^112 for
     * the exponent bias, exact for normal and subnormal halves (inf and NaN are not weights); the constant multiply
     * also takes the activation scale. A subnormal half becomes a subnormal float before that multiply, which costs
     * time: Q4_K decode 4.2 → 5.0 ms on 32768×5120 weights of σ = 0.005 (KernelBench std=0.005). Q6_K's copy takes
     * floats for that reason; Q4_K's did too, and ran 2× slower from DRAM (8.2 ms, the same from L3): any super-block
     * stride from 608·G bytes up does (BENCHMARKS.md), so it keeps f16 and converts d and dmin as mantissa ·
     * 2^(exponent − 25) instead.
     */

    /**
     * Q4_0's quad loop (see {@link #q4_0}) for a Q4_K sub-block at {@code at}, into rs[rsOff ..], as four calls of 8
     * columns written out. On a Xeon, Q4_K decode ran faster from DRAM this
     * way (KernelBench 131072×5120: 50 → 36–41 ms; the model 6.6–6.8 → 7.4–7.6 t/s on one thread, 12.7–13.0 → 14.1–14.6
     * on two) and 3 % slower from L2. Q4_0 ran slower in the model this way, so it keeps the loop. {@code sum} is Σ x8
     * over the 32 columns.
     */
    private static void quadSumsInParts(MemorySegment w, long at, short[] xq, int xb, int sum, short[] rs, int rsOff) {
        quadPart(w, at, xq, xb, (short) (8 * sum), rs, rsOff, false);  // Σ (q − 8)·x8 = Σ q·x8 − 8·Σ x8
        quadPart(w, at + 16L * G, xq, xb + 8, (short) 0, rs, rsOff, true);
        quadPart(w, at + 32L * G, xq, xb + 16, (short) 0, rs, rsOff, true);
        quadPart(w, at + 48L * G, xq, xb + 24, (short) 0, rs, rsOff, true);
    }

    /**
     * 8 of a sub-block's 32 columns, written out as {@link #pairSums}; the nibble sums less {@code offset}, into
     * rs or added to it mod 2^16: the parts add up to the block's sums mod 2^16, which are exact (see q4_0). As a
     * loop of 8 columns it ran 10 % slower on Zen 4 (KernelBench Q4_K 16384×5120 2.17 → 2.37–2.41 ms, 512 rows 0.077
     * → 0.085–0.087 ms), as two parts of 16 written out 100× slower (C2 boxed its vectors). Its shifts take their
     * counts as vectors made once per call: with a constant count C2 moved it into an xmm register every column, and
     * 32-bit lane shifts with an immediate count (tried) made this method too large for C2, which boxed it (Q4_K 530 ms). KernelBench
     * 16384×5120 2.17 → 1.94 ms, 512 rows 0.077 → 0.069 ms on Zen 4.
     */
    private static void quadPart(MemorySegment w, long at, short[] xq, int xb, short offset, short[] rs, int rsOff, boolean add) {
        w = Segments.NATIVE.cast(w);  // a receiver type for the loads (Segments)
        ShortVector v, s0, s1, s2, s3;
        ShortVector c4 = SHORTS.cast(ShortVector.broadcast(S, (short) 4)), c8 = SHORTS.cast(ShortVector.broadcast(S, (short) 8)),
                c12 = SHORTS.cast(ShortVector.broadcast(S, (short) 12));
        short x;
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, at, Vec.LE)); x = xq[xb];
        s0 = SHORTS.cast(v.mul(x)); s1 = SHORTS.cast(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c4)).mul(x));
        s2 = SHORTS.cast(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c8)).mul(x)); s3 = SHORTS.cast(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c12)).mul(x));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, at + 2L * G, Vec.LE)); x = xq[xb + 1];
        s0 = SHORTS.cast(s0.add(v.mul(x))); s1 = SHORTS.cast(s1.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c4)).mul(x)));
        s2 = SHORTS.cast(s2.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c8)).mul(x))); s3 = SHORTS.cast(s3.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c12)).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, at + 4L * G, Vec.LE)); x = xq[xb + 2];
        s0 = SHORTS.cast(s0.add(v.mul(x))); s1 = SHORTS.cast(s1.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c4)).mul(x)));
        s2 = SHORTS.cast(s2.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c8)).mul(x))); s3 = SHORTS.cast(s3.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c12)).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, at + 6L * G, Vec.LE)); x = xq[xb + 3];
        s0 = SHORTS.cast(s0.add(v.mul(x))); s1 = SHORTS.cast(s1.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c4)).mul(x)));
        s2 = SHORTS.cast(s2.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c8)).mul(x))); s3 = SHORTS.cast(s3.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c12)).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, at + 8L * G, Vec.LE)); x = xq[xb + 4];
        s0 = SHORTS.cast(s0.add(v.mul(x))); s1 = SHORTS.cast(s1.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c4)).mul(x)));
        s2 = SHORTS.cast(s2.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c8)).mul(x))); s3 = SHORTS.cast(s3.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c12)).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, at + 10L * G, Vec.LE)); x = xq[xb + 5];
        s0 = SHORTS.cast(s0.add(v.mul(x))); s1 = SHORTS.cast(s1.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c4)).mul(x)));
        s2 = SHORTS.cast(s2.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c8)).mul(x))); s3 = SHORTS.cast(s3.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c12)).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, at + 12L * G, Vec.LE)); x = xq[xb + 6];
        s0 = SHORTS.cast(s0.add(v.mul(x))); s1 = SHORTS.cast(s1.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c4)).mul(x)));
        s2 = SHORTS.cast(s2.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c8)).mul(x))); s3 = SHORTS.cast(s3.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c12)).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, at + 14L * G, Vec.LE)); x = xq[xb + 7];
        s0 = SHORTS.cast(s0.add(v.mul(x))); s1 = SHORTS.cast(s1.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c4)).mul(x)));
        s2 = SHORTS.cast(s2.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c8)).mul(x))); s3 = SHORTS.cast(s3.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c12)).mul(x)));
        s0 = SHORTS.cast(s0.sub(SHORTS.cast(s1.lanewise(VectorOperators.LSHL, 4)))).sub(offset);
        s1 = SHORTS.cast(s1.sub(SHORTS.cast(s2.lanewise(VectorOperators.LSHL, 4)))).sub(offset);
        s2 = SHORTS.cast(s2.sub(SHORTS.cast(s3.lanewise(VectorOperators.LSHL, 4)))).sub(offset);
        s3 = s3.sub(offset);
        if (add) {
            s0 = SHORTS.cast(s0).add(ShortVector.fromArray(S, rs, rsOff));
            s1 = SHORTS.cast(s1).add(ShortVector.fromArray(S, rs, rsOff + G));
            s2 = SHORTS.cast(s2).add(ShortVector.fromArray(S, rs, rsOff + 2 * G));
            s3 = SHORTS.cast(s3).add(ShortVector.fromArray(S, rs, rsOff + 3 * G));
        }
        SHORTS.cast(s0).intoArray(rs, rsOff);
        SHORTS.cast(s1).intoArray(rs, rsOff + G);
        SHORTS.cast(s2).intoArray(rs, rsOff + 2 * G);
        SHORTS.cast(s3).intoArray(rs, rsOff + 3 * G);
    }

    /**
     * 4·G rows of Q4_0 (quads, layout in {@link InterleavedRows}) · x: out[o .. o + 4G). Per block the quad loop: 32
     * columns of quad shorts times x8, and per quarter t of the 4·G rows Σ (q − 8)·x8 into rs[t·G ..]. Each lane sums
     * v·x, (v >>> 4)·x, (v >>> 8)·x and (v >>> 12)·x mod 2^16 (no masks: one load, three shifts, four multiplies and
     * adds per 4·G weights); subtracting 16 times the next sum leaves one nibble's, exact because the result fits 16
     * bits (|Σ (q − 8)·x8| ≤ 32·8·127) though the partial sums overflow. Then the block's row sums times d. Each
     * column also touches the copy {@link #AHEAD} bytes on. The shifts take their counts as vectors made once per
     * call: with a constant count C2 moves it into an xmm register every column (KernelBench 512×5120 from L2 0.063 →
     * 0.056 ms on Zen 4; 32-bit lane shifts with an immediate count, and a correction for the bits they carry across
     * lanes, ran the same).
     *
     * <p>The quad loop is written here, not in a helper: as a helper (288 bytecodes) C2 inlined it or not depending on
     * whether its own compilation had finished first ("already compiled into a big method"), and the model's Q4_0
     * decode ran at 7.7–8.3 t/s in JVMs that inlined it and 4.9–6.6 in the others (one thread, on a Xeon).
     */
    static void q4_0(MemorySegment w, long at, int nb, short[] xq, float[] dx, int[] sums, short[] rs, float[] out, int o) {
        w = Segments.NATIVE.cast(w);  // a receiver type for the loads (Segments)
        long last = w.byteSize() - 1;
        int touch = 0;
        ShortVector c4 = SHORTS.cast(ShortVector.broadcast(S, (short) 4)), c8 = SHORTS.cast(ShortVector.broadcast(S, (short) 8)),
                c12 = SHORTS.cast(ShortVector.broadcast(S, (short) 12));
        for (int b = 0; b < nb; b++, at += 72L * G) {
            ShortVector s0 = SHORTS.cast(ShortVector.zero(S)), s1 = s0, s2 = s0, s3 = s0;
            for (int k = 0, xb = 32 * b; k < 32; k++) {
                ShortVector v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, at + 2L * G * k, Vec.LE));
                touch += w.get(ValueLayout.JAVA_BYTE, Math.min(at + 2L * G * k + AHEAD, last));
                short x = xq[xb + k];
                s0 = SHORTS.cast(s0.add(v.mul(x)));
                s1 = SHORTS.cast(s1.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c4)).mul(x)));
                s2 = SHORTS.cast(s2.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c8)).mul(x)));
                s3 = SHORTS.cast(s3.add(SHORTS.cast(v.lanewise(VectorOperators.LSHR, c12)).mul(x)));
            }
            short offset = (short) (8 * sums[b]);  // Σ (q − 8)·x8 = Σ q·x8 − 8·Σ x8
            SHORTS.cast(SHORTS.cast(s0.sub(SHORTS.cast(s1.lanewise(VectorOperators.LSHL, 4)))).sub(offset)).intoArray(rs, 0);
            SHORTS.cast(SHORTS.cast(s1.sub(SHORTS.cast(s2.lanewise(VectorOperators.LSHL, 4)))).sub(offset)).intoArray(rs, G);
            SHORTS.cast(SHORTS.cast(s2.sub(SHORTS.cast(s3.lanewise(VectorOperators.LSHL, 4)))).sub(offset)).intoArray(rs, 2 * G);
            SHORTS.cast(s3.sub(offset)).intoArray(rs, 3 * G);
            float scale = 0x1p112f * dx[b];
            for (int c = 0; c < 4 * G; c += H) {  // rows c .. c + H: their sums (rs) times d, which follows the values
                IntVector r = (IntVector) ShortVector.fromArray(SH, rs, c).convertShape(VectorOperators.S2I, Vec.I, 0);
                IntVector e = (IntVector) ShortVector.fromMemorySegment(SH, w, at + 64L * G + 2L * c, Vec.LE)
                        .convertShape(VectorOperators.S2I, Vec.I, 0);
                FloatVector y = ((FloatVector) r.convert(VectorOperators.I2F, 0)).mul(e.and(0x8000).lanewise(VectorOperators.LSHL, 16)
                        .or(e.and(0x7FFF).lanewise(VectorOperators.LSHL, 13)).reinterpretAsFloats().mul(scale));
                (b == 0 ? y : y.add(FloatVector.fromArray(F, out, o + c))).intoArray(out, o + c);
            }
        }
        touched = touch;
    }

    /** G rows of Q8_0 · x: pairs of columns summed in 16-bit lanes, widened to 32 bits, per block of 32 d. */
    static void q8_0(MemorySegment w, long at, int nb, short[] xq, float[] dx, int[] acc, float[] out, int o) {
        w = Segments.NATIVE.cast(w);  // a receiver type for the loads (Segments)
        FloatVector o0 = FloatVector.zero(F), o1 = o0;
        for (int b = 0; b < nb; b++, at += 34L * G) {
            ShortVector d = ShortVector.fromMemorySegment(S, w, at, Vec.LE);
            int xb = 32 * b;
            for (int k = 0; k < 32; k += 8) q8Pairs(w, at + (2L + k) * G, xq, xb + k, acc, k > 0);
            IntVector a0 = IntVector.fromArray(Vec.I, acc, 0), a1 = IntVector.fromArray(Vec.I, acc, H);
            float scale = 0x1p112f * dx[b];
            IntVector d0 = (IntVector) d.convert(VectorOperators.S2I, 0), d1 = (IntVector) d.convert(VectorOperators.S2I, 1);
            o0 = ((FloatVector) a0.convert(VectorOperators.I2F, 0)).fma(d0.and(0x8000).lanewise(VectorOperators.LSHL, 16)
                    .or(d0.and(0x7FFF).lanewise(VectorOperators.LSHL, 13)).reinterpretAsFloats().mul(scale), o0);
            o1 = ((FloatVector) a1.convert(VectorOperators.I2F, 0)).fma(d1.and(0x8000).lanewise(VectorOperators.LSHL, 16)
                    .or(d1.and(0x7FFF).lanewise(VectorOperators.LSHL, 13)).reinterpretAsFloats().mul(scale), o1);
        }
        o0.intoArray(out, o);
        o1.intoArray(out, o + H);
    }

    /**
     * 8 columns of Q8_0 bytes at q times x8[xb ..], two at a time in 16-bit lanes (≤ 2·128·127), widened into acc's two
     * int halves (rows 0 .. H and H .. G), or added to them. Written out, not a loop: on a Xeon the block loop of Q8_0
     * decode ran 1.3–1.4× faster from DRAM this way (KernelBench 131072×5120: 63 → 45 ms); written out for all 32
     * columns in one method, one run in three of the model ran 2.4× slower (3.25 against 7.9 t/s).
     */
    private static void q8Pairs(MemorySegment w, long q, short[] xq, int xb, int[] acc, boolean add) {
        w = Segments.NATIVE.cast(w);  // a receiver type for the loads (Segments)
        IntVector a0 = add ? IntVector.fromArray(Vec.I, acc, 0) : IntVector.zero(Vec.I);
        IntVector a1 = add ? IntVector.fromArray(Vec.I, acc, H) : IntVector.zero(Vec.I);
        ShortVector p;
        p = ((ShortVector) ByteVector.fromMemorySegment(B, w, q, Vec.LE).convertShape(VectorOperators.B2S, S, 0)).mul(xq[xb])
                .add(((ShortVector) ByteVector.fromMemorySegment(B, w, q + 1L * G, Vec.LE).convertShape(VectorOperators.B2S, S, 0)).mul(xq[xb + 1]));
        a0 = a0.add((IntVector) p.convert(VectorOperators.S2I, 0)); a1 = a1.add((IntVector) p.convert(VectorOperators.S2I, 1));
        p = ((ShortVector) ByteVector.fromMemorySegment(B, w, q + 2L * G, Vec.LE).convertShape(VectorOperators.B2S, S, 0)).mul(xq[xb + 2])
                .add(((ShortVector) ByteVector.fromMemorySegment(B, w, q + 3L * G, Vec.LE).convertShape(VectorOperators.B2S, S, 0)).mul(xq[xb + 3]));
        a0 = a0.add((IntVector) p.convert(VectorOperators.S2I, 0)); a1 = a1.add((IntVector) p.convert(VectorOperators.S2I, 1));
        p = ((ShortVector) ByteVector.fromMemorySegment(B, w, q + 4L * G, Vec.LE).convertShape(VectorOperators.B2S, S, 0)).mul(xq[xb + 4])
                .add(((ShortVector) ByteVector.fromMemorySegment(B, w, q + 5L * G, Vec.LE).convertShape(VectorOperators.B2S, S, 0)).mul(xq[xb + 5]));
        a0 = a0.add((IntVector) p.convert(VectorOperators.S2I, 0)); a1 = a1.add((IntVector) p.convert(VectorOperators.S2I, 1));
        p = ((ShortVector) ByteVector.fromMemorySegment(B, w, q + 6L * G, Vec.LE).convertShape(VectorOperators.B2S, S, 0)).mul(xq[xb + 6])
                .add(((ShortVector) ByteVector.fromMemorySegment(B, w, q + 7L * G, Vec.LE).convertShape(VectorOperators.B2S, S, 0)).mul(xq[xb + 7]));
        a0 = a0.add((IntVector) p.convert(VectorOperators.S2I, 0)); a1 = a1.add((IntVector) p.convert(VectorOperators.S2I, 1));
        a0.intoArray(acc, 0);
        a1.intoArray(acc, H);
    }

    /**
     * 4·G rows of Q4_K (quads, as {@link #q4_0}; x quantized per 256): per sub-block Σ (q − 8)·x8 per row from the
     * mod-2^16 sums, kept in rs (8 sub-blocks × 4G); then per super-block {@link #q4_KScales}, added into out.
     */
    static void q4_K(MemorySegment w, long at, int ns, short[] xq, float[] dx, int[] sums, short[] rs, float[] out, int o) {
        w = Segments.NATIVE.cast(w);  // a receiver type for the loads (Segments)
        for (int s = 0; s < ns; s++, at += 592L * G) {
            for (int j = 0; j < 8; j++) quadSumsInParts(w, at + 72L * G * j, xq, 256 * s + 32 * j, sums[8 * s + j], rs, 4 * G * j);
            q4_KScales(w, at, rs, sums, 8 * s, dx[s], out, o, s == 0);
        }
    }

    /**
     * One Q4_K super-block of a quad, H rows at a time: Σ_j sc·(r + 8·Σx8) and Σ_j m·Σx8 in int lanes (the sub-block
     * fields were read moments before, so they come from cache), then d and dmin: out (=|+=) a·d·x − m·dmin·x.
     */
    private static void q4_KScales(MemorySegment w, long at, short[] rs, int[] sums, int sb, float dx, float[] out, int o,
                                   boolean first) {
        w = Segments.NATIVE.cast(w);  // a receiver type for the loads (Segments)
        for (int c = 0; c < 4 * G; c += H) {
            IntVector a = IntVector.zero(Vec.I), m = a;
            int lane = c / G * G + c % G;
            for (int j = 0; j < 8; j++) {
                long sc = at + 72L * G * j + 64L * G + c;
                int bs = sums[sb + j];
                IntVector r = (IntVector) ShortVector.fromArray(SH, rs, 4 * G * j + lane).convertShape(VectorOperators.S2I, Vec.I, 0);
                a = a.add(r.add(8 * bs).mul((IntVector) ByteVector.fromMemorySegment(BH, w, sc, Vec.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0)));
                m = m.add(((IntVector) ByteVector.fromMemorySegment(BH, w, sc + 4L * G, Vec.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0)).mul(bs));
            }
            // d and dmin (f16) as mantissa · 2^(exponent − 25), the implicit bit added for normal halves, then the
            // sign: exact, and no subnormal float appears, though small weights make subnormal halves here.
            long dd = at + 576L * G + 2L * c;
            IntVector e = (IntVector) ShortVector.fromMemorySegment(SH, w, dd, Vec.LE).convertShape(VectorOperators.S2I, Vec.I, 0);
            IntVector f = (IntVector) ShortVector.fromMemorySegment(SH, w, dd + 8L * G, Vec.LE).convertShape(VectorOperators.S2I, Vec.I, 0);
            IntVector ee = e.and(0x7C00).lanewise(VectorOperators.LSHR, 10), fe = f.and(0x7C00).lanewise(VectorOperators.LSHR, 10);
            FloatVector d = ((FloatVector) e.and(0x3FF).or(ee.min(1).lanewise(VectorOperators.LSHL, 10)).convert(VectorOperators.I2F, 0))
                    .mul(ee.max(1).add(102).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .reinterpretAsInts().or(e.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            FloatVector dmin = ((FloatVector) f.and(0x3FF).or(fe.min(1).lanewise(VectorOperators.LSHL, 10)).convert(VectorOperators.I2F, 0))
                    .mul(fe.max(1).add(102).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                    .reinterpretAsInts().or(f.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
            FloatVector y = ((FloatVector) a.convert(VectorOperators.I2F, 0)).mul(d.mul(dx))
                    .sub(((FloatVector) m.convert(VectorOperators.I2F, 0)).mul(dmin.mul(dx)));
            (first ? y : y.add(FloatVector.fromArray(F, out, o + c))).intoArray(out, o + c);
        }
    }

    /**
     * 2·G rows of Q5_K (pairs, layout in {@link InterleavedRows}) · x (x quantized per 256): out[o .. o + 2G). Per
     * sub-block four {@link #pairSums} of 8 columns each, kept in rs (8 sub-blocks × 4 quarters × 2G); then per
     * super-block {@link #q5_KScales}.
     */
    static void q5_K(MemorySegment w, long at, int ns, short[] xq, float[] dx, int[] sums, short[] rs, float[] out, int o) {
        for (int s = 0; s < ns; s++, at += 560L * G) {
            for (int j = 0; j < 8; j++) {
                long q = at + 68L * G * j;
                for (int h = 0; h < 4; h++) pairSums(w, q + 16L * G * h, xq, 256 * s + 32 * j + 8 * h, rs, 8 * G * j + 2 * G * h, 16);
            }
            q5_KScales(w, at, rs, sums, 8 * s, dx[s], out, o, s == 0);
        }
    }

    /**
     * One Q5_K super-block of a pair group, H rows at a time: Σ_j sc·(r + 16·Σx8) and Σ_j m·Σx8 in int lanes, then d
     * and dmin (f32 in the copy): out (=|+=) a·d·x − m·dmin·x. r is the sum of the sub-block's four 8-column sums,
     * two of which add up in 16 bits (|Σ (q − 16)·x8| ≤ 8·16·127 each).
     */
    private static void q5_KScales(MemorySegment w, long at, short[] rs, int[] sums, int sb, float dx, float[] out, int o,
                                   boolean first) {
        w = Segments.NATIVE.cast(w);  // a receiver type for the loads (Segments)
        for (int c = 0; c < 2 * G; c += H) {
            IntVector a = IntVector.zero(Vec.I), m = a;
            for (int j = 0; j < 8; j++) {
                long sc = at + (64L + 68 * j) * G + c;
                int bs = sums[sb + j], r = 8 * G * j + c;
                IntVector sum = ((IntVector) ShortVector.fromArray(SH, rs, r).add(ShortVector.fromArray(SH, rs, r + 2 * G))
                        .convertShape(VectorOperators.S2I, Vec.I, 0))
                        .add((IntVector) ShortVector.fromArray(SH, rs, r + 4 * G).add(ShortVector.fromArray(SH, rs, r + 6 * G))
                        .convertShape(VectorOperators.S2I, Vec.I, 0));
                a = a.add(sum.add(16 * bs).mul((IntVector) ByteVector.fromMemorySegment(BH, w, sc, Vec.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0)));
                m = m.add(((IntVector) ByteVector.fromMemorySegment(BH, w, sc + 2L * G, Vec.LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, 0)).mul(bs));
            }
            FloatVector d = FloatVector.fromMemorySegment(F, w, at + 544L * G + 4L * c, Vec.LE).mul(dx);
            FloatVector dmin = FloatVector.fromMemorySegment(F, w, at + 552L * G + 4L * c, Vec.LE).mul(dx);
            FloatVector y = ((FloatVector) a.convert(VectorOperators.I2F, 0)).mul(d)
                    .sub(((FloatVector) m.convert(VectorOperators.I2F, 0)).mul(dmin));
            (first ? y : y.add(FloatVector.fromArray(F, out, o + c))).intoArray(out, o + c);
        }
    }

    /**
     * 2·G rows of Q6_K (pairs, layout in {@link InterleavedRows}) · x (x quantized per 256): out[o .. o + 2G). Per
     * sub-block two {@link #pairSums} of 8 columns, kept in rs (16 sub-blocks × 4G); then per super-block {@link #q6_KScales}.
     */
    static void q6_K(MemorySegment w, long at, int ns, short[] xq, float[] dx, short[] rs, float[] out, int o) {
        for (int s = 0; s < ns; s++, at += 552L * G) {
            for (int j = 0; j < 16; j++) {
                pairSums(w, at + (2L + 34 * j) * G, xq, 256 * s + 16 * j, rs, 4 * G * j, 32);
                pairSums(w, at + (18L + 34 * j) * G, xq, 256 * s + 16 * j + 8, rs, 4 * G * j + 2 * G, 32);
            }
            q6_KScales(w, at, rs, dx[s], out, o, s == 0);
        }
    }

    /**
     * 8 columns of pair shorts at q times x8[xb ..] (half a Q6_K sub-block, a quarter of a Q5_K one). Lane l holds q
     * of rows l (low byte) and l + G (high byte), q − zero the value (Q6_K: q ∈ [0, 63], zero 32; Q5_K: [0, 31], 16).
     * Each lane sums v·x and (v >>> 8)·x mod 2^16: the high row's Σ (q − zero)·x8 is the second sum less zero·Σx8, the
     * low row's the first less 256 times the second and zero·Σx8, exact because |Σ (q − zero)·x8| ≤ 8·32·127 fits 16
     * bits. No masks or sign extensions: one load, one shift, two multiplies and adds per 2·G weights. Into
     * rs[rsOff ..] as 2G rows.
     *
     * <p>The shift is of 32-bit lanes: C2 gives int shifts an immediate count (one uop, port 0) and short shifts a
     * count in a register (two uops, ports 0 and 5). Each even lane then also takes its odd neighbour's low byte into
     * its high byte, adding 256·Σ lo·x to its second sum, which is 256 times the neighbour's first sum mod 2^16; that
     * comes back out once per call. The low row's sum is unchanged, as 256·256 ≡ 0. On a Xeon, KernelBench Q6_K
     * 131072×5120 from DRAM: 64.3–65.9 → 59.6–60.0 ms; the Q4_0 model (its output matrix is Q6_K) 8.3 → 8.9 t/s on one
     * pinned thread. Written out, not a loop: C2 gave such a loop a pre-, main and post-loop and ~40
     * instructions of bounds set-up. Eight columns, not sixteen: written out for sixteen, the method was large enough
     * that some runs' C2 left a load or a shift in it to the Vector API's Java code (Q4_K_M decode at 2 threads 3.3–4.1
     * t/s against 8–11, JFR: ScopedMemoryAccess.loadFromMemorySegmentScopedInternal, lanewiseShiftTemplate).
     */
    private static void pairSums(MemorySegment w, long q, short[] xq, int xb, short[] rs, int rsOff, int zero) {
        w = Segments.NATIVE.cast(w);  // a receiver type for the loads (Segments)
        ShortVector v, s0, s1;
        short x;
        int sx;
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, q, Vec.LE)); x = xq[xb]; sx = x;
        s0 = SHORTS.cast(v.mul(x));
        s1 = SHORTS.cast(SHORTS.cast(INTS.cast(INTS.cast(v.reinterpretAsInts()).lanewise(VectorOperators.LSHR, 8)).reinterpretAsShorts()).mul(x));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, q + 2L * G, Vec.LE)); x = xq[xb + 1]; sx += x;
        s0 = SHORTS.cast(s0.add(v.mul(x)));
        s1 = SHORTS.cast(s1.add(SHORTS.cast(INTS.cast(INTS.cast(v.reinterpretAsInts()).lanewise(VectorOperators.LSHR, 8)).reinterpretAsShorts()).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, q + 4L * G, Vec.LE)); x = xq[xb + 2]; sx += x;
        s0 = SHORTS.cast(s0.add(v.mul(x)));
        s1 = SHORTS.cast(s1.add(SHORTS.cast(INTS.cast(INTS.cast(v.reinterpretAsInts()).lanewise(VectorOperators.LSHR, 8)).reinterpretAsShorts()).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, q + 6L * G, Vec.LE)); x = xq[xb + 3]; sx += x;
        s0 = SHORTS.cast(s0.add(v.mul(x)));
        s1 = SHORTS.cast(s1.add(SHORTS.cast(INTS.cast(INTS.cast(v.reinterpretAsInts()).lanewise(VectorOperators.LSHR, 8)).reinterpretAsShorts()).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, q + 8L * G, Vec.LE)); x = xq[xb + 4]; sx += x;
        s0 = SHORTS.cast(s0.add(v.mul(x)));
        s1 = SHORTS.cast(s1.add(SHORTS.cast(INTS.cast(INTS.cast(v.reinterpretAsInts()).lanewise(VectorOperators.LSHR, 8)).reinterpretAsShorts()).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, q + 10L * G, Vec.LE)); x = xq[xb + 5]; sx += x;
        s0 = SHORTS.cast(s0.add(v.mul(x)));
        s1 = SHORTS.cast(s1.add(SHORTS.cast(INTS.cast(INTS.cast(v.reinterpretAsInts()).lanewise(VectorOperators.LSHR, 8)).reinterpretAsShorts()).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, q + 12L * G, Vec.LE)); x = xq[xb + 6]; sx += x;
        s0 = SHORTS.cast(s0.add(v.mul(x)));
        s1 = SHORTS.cast(s1.add(SHORTS.cast(INTS.cast(INTS.cast(v.reinterpretAsInts()).lanewise(VectorOperators.LSHR, 8)).reinterpretAsShorts()).mul(x)));
        v = SHORTS.cast(ShortVector.fromMemorySegment(S, w, q + 14L * G, Vec.LE)); x = xq[xb + 7]; sx += x;
        s0 = SHORTS.cast(s0.add(v.mul(x)));
        s1 = SHORTS.cast(s1.add(SHORTS.cast(INTS.cast(INTS.cast(v.reinterpretAsInts()).lanewise(VectorOperators.LSHR, 8)).reinterpretAsShorts()).mul(x)));
        IntVector carried = INTS.cast(INTS.cast(INTS.cast(s0.reinterpretAsInts()).lanewise(VectorOperators.LSHR, 8)).and(0xFF00));
        s1 = SHORTS.cast(s1.sub(carried.reinterpretAsShorts()));
        SHORTS.cast(SHORTS.cast(s0.sub(SHORTS.cast(s1.lanewise(VectorOperators.LSHL, 8)))).sub((short) (zero * sx))).intoArray(rs, rsOff);
        SHORTS.cast(s1.sub((short) (zero * sx))).intoArray(rs, rsOff + G);
    }

    /**
     * One Q6_K super-block of a pair group, H rows at a time: Σ_j sc·(both halves' sums) in int lanes, then d: out
     * (=|+=) a·d·x. The sums come back from rs half a vector at a time, as in {@link #q4_KScales}.
     */
    private static void q6_KScales(MemorySegment w, long at, short[] rs, float dx, float[] out, int o, boolean first) {
        w = Segments.NATIVE.cast(w);  // a receiver type for the loads (Segments)
        for (int c = 0; c < 2 * G; c += H) {
            IntVector a = IntVector.zero(Vec.I);
            for (int j = 0; j < 16; j++) {
                int r = 4 * G * j + c;
                a = a.add(((IntVector) ShortVector.fromArray(SH, rs, r).convertShape(VectorOperators.S2I, Vec.I, 0))
                        .add((IntVector) ShortVector.fromArray(SH, rs, r + 2 * G).convertShape(VectorOperators.S2I, Vec.I, 0))
                        .mul((IntVector) ByteVector.fromMemorySegment(BH, w, at + 34L * G * j + c, Vec.LE)
                                .convertShape(VectorOperators.B2I, Vec.I, 0)));
            }
            FloatVector y = ((FloatVector) a.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromMemorySegment(F, w, at + 544L * G + 4L * c, Vec.LE).mul(dx));
            (first ? y : y.add(FloatVector.fromArray(F, out, o + c))).intoArray(out, o + c);
        }
    }
}
