package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
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

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) Vec.bfloats(w, off + 2L * c).intoArray(dst, dstOff + c);
        for (; c < cols; c++) dst[dstOff + c] = Bytes.bf16(w, off + 2L * c);
    }
}
