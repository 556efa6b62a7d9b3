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

    private static VectorSpecies<Float> pickFloatSpecies() {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (preferred.length() >= 4 && preferred.length() <= 16) return preferred;
        return preferred.length() > 16 ? FloatVector.SPECIES_512 : FloatVector.SPECIES_128;
    }

    // Constants as vectors: vector-vector operations inline in fewer levels than their broadcasting scalar forms, and
    // C2 gives up inlining (and boxes every vector) past MaxInlineLevel.
    static final ByteVector LOW4 = ByteVector.broadcast(B16, (byte) 0x0F);
    static final ByteVector ONE = ByteVector.broadcast(B16, (byte) 1);
    static final ByteVector THREE = ByteVector.broadcast(B16, (byte) 3);
    static final ByteVector EIGHT = ByteVector.broadcast(B16, (byte) 8);
    static final ByteVector THIRTY_TWO = ByteVector.broadcast(B16, (byte) 32);
    private static final IntVector HALF_MAGNITUDE = IntVector.broadcast(I, 0x7FFF);
    private static final IntVector HALF_EXPONENT = IntVector.broadcast(I, 0x7C00);
    private static final IntVector HALF_SIGN = IntVector.broadcast(I, 0x8000);
    private static final IntVector FLOAT_EXPONENT = IntVector.broadcast(I, 0x7F800000);
    private static final FloatVector REBIAS = FloatVector.broadcast(F, 0x1p112f);

    /** 16 bytes of a heap copy of a row (far fewer JIT nodes than a load from a MemorySegment). */
    static ByteVector bytes(byte[] b, int i) {
        return ByteVector.fromArray(B16, b, i);
    }

    /** Each byte shifted right by {@code shift} (zero-filling), then masked. */
    static ByteVector bits(ByteVector v, int shift, ByteVector mask) {
        return v.lanewise(VectorOperators.LSHR, shift).and(mask);
    }

    /** acc + Σ (q·scale + offset) · x[xi ..], for 16 weights q (integers in byte lanes). */
    static FloatVector dot16(ByteVector q, FloatVector scale, FloatVector offset, float[] x, int xi, FloatVector acc) {
        for (int p = 0; p < PARTS; p++) {
            FloatVector w = ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).fma(scale, offset);
            acc = w.fma(FloatVector.fromArray(F, x, xi + p * L), acc);
        }
        return acc;
    }

    /** acc + Σ q · x[xi ..] for 16 integers q; the caller applies the scale. */
    static FloatVector dot16(ByteVector q, float[] x, int xi, FloatVector acc) {
        for (int p = 0; p < PARTS; p++) {
            FloatVector w = (FloatVector) q.convertShape(VectorOperators.B2F, F, p);
            acc = w.fma(FloatVector.fromArray(F, x, xi + p * L), acc);
        }
        return acc;
    }

    /** dst[di ..] = q·scale + offset for 16 weights q. */
    static void store16(ByteVector q, FloatVector scale, FloatVector offset, float[] dst, int di) {
        for (int p = 0; p < PARTS; p++)
            ((FloatVector) q.convertShape(VectorOperators.B2F, F, p)).fma(scale, offset).intoArray(dst, di + p * L);
    }

    static FloatVector splat(float v) {
        return FloatVector.broadcast(F, v);
    }

    /** L binary16 values at {@code off} as floats (exact, subnormals, infinities and NaN included). */
    static FloatVector halfs(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, s, off, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(HALF_MAGNITUDE).lanewise(VectorOperators.LSHL, 13);
        // Exponent rebias by multiplying with 2^(127-15): exact for normals and subnormals alike.
        IntVector bits = magnitude.reinterpretAsFloats().mul(REBIAS).reinterpretAsInts();
        VectorMask<Integer> infOrNan = h.and(HALF_EXPONENT).compare(VectorOperators.EQ, HALF_EXPONENT);
        bits = bits.blend(magnitude.or(FLOAT_EXPONENT), infOrNan);
        return bits.or(h.and(HALF_SIGN).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** L bfloat16 values at {@code off} as floats. */
    static FloatVector bfloats(MemorySegment s, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, s, off, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }
}
