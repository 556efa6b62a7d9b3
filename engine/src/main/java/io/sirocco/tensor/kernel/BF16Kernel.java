package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/** BF16 rows: the high 16 bits of F32 values, widened by a shift. */
final class BF16Kernel implements RowKernel {
    static final BF16Kernel INSTANCE = new BF16Kernel();

    private BF16Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L)
            acc = Vec.bfloats(w, off + 2L * c).fma(FloatVector.fromArray(F, x, xOff + c), acc);
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) sum += Bytes.bf16(w, off + 2L * c) * x[xOff + c];
        return sum;
    }

    /**
     * x[xOff ..] with each group of 2L values split into its L even-indexed then its L odd-indexed values, for
     * {@link #dotPairs}; {@code cols} must be a multiple of 2L.
     */
    static float[] deinterleave(float[] x, int xOff, int cols) {
        float[] xd = new float[cols];
        for (int c = 0; c < cols; c += 2 * L)
            for (int j = 0; j < L; j++) {
                xd[c + j] = x[xOff + c + 2 * j];
                xd[c + L + j] = x[xOff + c + 2 * j + 1];
            }
        return xd;
    }

    /**
     * Σ w·x with x from {@link #deinterleave}: one load of L ints holds 2L bf16 values; the even ones are the ints
     * shifted left by 16, the odd ones the ints with the low half cleared. No widening conversion, half the loads of
     * {@link #dot} (≈ 20 % faster at decode).
     */
    float dotPairs(MemorySegment w, long off, int cols, float[] xd) {
        FloatVector even = FloatVector.zero(F), odd = even;
        for (int c = 0; c < cols; c += 2 * L) {
            IntVector v = IntVector.fromMemorySegment(Vec.I, w, off + 2L * c, Vec.LE);
            even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xd, c), even);
            odd = v.and(0xFFFF0000).reinterpretAsFloats().fma(FloatVector.fromArray(F, xd, c + L), odd);
        }
        return even.add(odd).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) Vec.bfloats(w, off + 2L * c).intoArray(dst, dstOff + c);
        for (; c < cols; c++) dst[dstOff + c] = Bytes.bf16(w, off + 2L * c);
    }
}
