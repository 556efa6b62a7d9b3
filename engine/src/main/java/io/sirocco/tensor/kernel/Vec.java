package io.sirocco.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector species and the building blocks shared by the per-type kernels. Quantized weights are decoded sixteen at a
 * time: a 128-bit {@link ByteVector} of small integers is widened to floats in {@code 16 / F.length()} parts.
 */
final class Vec {
    private Vec() {}

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** The preferred float species, kept between 4 and 16 lanes so one 16-byte group splits evenly into it. */
    static final VectorSpecies<Float> F = pickFloatSpecies();
    static final int L = F.length();
    static final int PARTS = 16 / L;
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** Shorts with as many lanes as F (for F16/BF16 rows). */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * Short.SIZE));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    static {
        initializeVectorClasses();
    }

    /**
     * Creates a vector, a mask and a shuffle of every element type and shape the kernels use, so that their classes
     * are initialized before C2 compiles any kernel: C2 does not intrinsify a Vector API call whose vector class is
     * not initialized yet, and the code it then installs boxes every vector for as long as it runs. In a model, the
     * background packer, the first decode steps and the compiler threads race, and without this some runs got
     * kernels that allocated 0.1–0.9 GB per call.
     */
    private static void initializeVectorClasses() {
        for (Class<?> e : new Class<?>[] {byte.class, short.class, int.class, long.class, float.class, double.class})
            for (VectorShape shape : new VectorShape[] {VectorShape.S_64_BIT, VectorShape.S_128_BIT, VectorShape.S_256_BIT,
                    VectorShape.S_512_BIT}) {
                if (shape.vectorBitSize() > VectorShape.preferredShape().vectorBitSize()) continue;
                VectorSpecies<?> sp = VectorSpecies.of(e, shape);
                sp.zero().compare(VectorOperators.EQ, 0).not();
                sp.iotaShuffle(0, 1, true);
            }
    }

    private static VectorSpecies<Float> pickFloatSpecies() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (preferred.length() >= 4 && preferred.length() <= 16) return preferred;
        return preferred.length() > 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_128;
    }

    static ByteVector bytes(MemorySegment s, long off) {
        return ByteVector.fromMemorySegment(B16, s, off, LE);
    }

    /**
     * Part {@code p} (lanes p·L ..) of 16 small integers packed in byte lanes: ((q >>> shift) & mask) of the unsigned
     * byte, with mask -1 meaning the signed byte itself. The bit work is done after widening to int lanes, where x86 has native shifts
     * (byte-lane shifts are emulated and cost several times more).
     */
    static IntVector ints(ByteVector q, int shift, int mask, int p) {
        if (mask == -1) return (IntVector) q.convertShape(VectorOperators.B2I, I, p);
        // Unsigned bit fields: zero-extended, so the top field needs no mask after its shift (one op less per part).
        IntVector v = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p);
        if (shift != 0) v = v.lanewise(VectorOperators.LSHR, shift);
        return (0xFF >>> shift) <= mask ? v : v.and(mask);
    }

    /** Part p of 16 values ((lo >>> loShift) & 0xF) | ((hi >>> hiShift) & hiMask) << 4 (Q5_K, Q6_K). */
    static IntVector ints(ByteVector lo, int loShift, ByteVector hi, int hiShift, int hiMask, int p) {
        return ints(lo, loShift, 0xF, p).or(ints(hi, hiShift, hiMask, p).lanewise(VectorOperators.LSHL, 4));
    }

    static FloatVector floats(IntVector v) {
        return (FloatVector) v.convert(VectorOperators.I2F, 0);
    }

    /** acc + Σ_p (q_p·scale + offset) · x[xi + p·L ..] for the 16 values ((q >>> shift) & mask). */
    static FloatVector dot16(ByteVector q, int shift, int mask, float scale, float offset, float[] x, int xi, FloatVector acc) {
        for (int p = 0; p < PARTS; p++)
            acc = floats(ints(q, shift, mask, p)).fma(scale, offset).fma(FloatVector.fromArray(F, x, xi + p * L), acc);
        return acc;
    }

    /** As {@link #dot16(ByteVector, int, int, float, float, float[], int, FloatVector)} with a high part from {@code hi}. */
    static FloatVector dot16(ByteVector lo, int loShift, ByteVector hi, int hiShift, int hiMask, float scale, float offset,
                             float[] x, int xi, FloatVector acc) {
        for (int p = 0; p < PARTS; p++)
            acc = floats(ints(lo, loShift, hi, hiShift, hiMask, p)).fma(scale, offset).fma(FloatVector.fromArray(F, x, xi + p * L), acc);
        return acc;
    }

    /*
     * The store16 helpers load their bytes themselves rather than take a ByteVector, so that no vector crosses a call
     * C2 leaves un-inlined (it sometimes does in dequantizers' long loops: "callee is too large"). That is not always
     * enough: in Q4_K's and Q5_K's dequantizers the un-inlined call still boxed (128 and 34 MB per 4096×5120
     * token-panel matmul), so those two write the ops out. Watch KernelBench's "B alloc/call" when a kernel calls these.
     */

    /** dst[di ..] = q·scale + offset for the 16 values ((q >>> shift) & mask) of the bytes at {@code at}. */
    static void store16(MemorySegment w, long at, int shift, int mask, float scale, float offset, float[] dst, int di) {
        ByteVector q = bytes(w, at);
        for (int p = 0; p < PARTS; p++) floats(ints(q, shift, mask, p)).fma(scale, offset).intoArray(dst, di + p * L);
    }

    /** dst[di ..] = q·scale + offset for 16 values with a high part (see {@link #ints(ByteVector, int, ByteVector, int, int, int)}). */
    static void store16(MemorySegment w, long lo, int loShift, long hi, int hiShift, int hiMask, float scale, float offset, float[] dst, int di) {
        ByteVector l = bytes(w, lo), h = bytes(w, hi);
        for (int p = 0; p < PARTS; p++) {  // ops written out: through ints(...) the vectors were boxed (Q5_K)
            IntVector low = ((IntVector) l.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p)).lanewise(VectorOperators.LSHR, loShift).and(0xF);
            IntVector high = ((IntVector) h.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, p)).lanewise(VectorOperators.LSHR, hiShift).and(hiMask);
            ((FloatVector) low.or(high.lanewise(VectorOperators.LSHL, 4)).convert(VectorOperators.I2F, 0))
                    .fma(scale, offset).intoArray(dst, di + p * L);
        }
    }

    /** L binary16 values at {@code off} as floats (exact, subnormals, infinities and NaN included). */
    static FloatVector halfs(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, s, off, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        // Exponent rebias by multiplying with 2^(127-15): exact for normals and subnormals alike.
        IntVector bits = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infOrNan = h.and(0x7C00).eq(0x7C00);
        bits = bits.blend(magnitude.or(0x7F800000), infOrNan);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** L bfloat16 values at {@code off} as floats. */
    static FloatVector bfloats(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, s, off, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
