package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** F16 rows: IEEE binary16, widened in registers by {@link Vec#halfs}. */
final class F16Kernel implements RowKernel {
    static final F16Kernel INSTANCE = new F16Kernel();

    private F16Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L)
            acc = Vec.halfs(w, off + 2L * c).fma(FloatVector.fromArray(F, x, xOff + c), acc);
        acc.intoArray(lanes, 0);
        float sum = FloatLanes.sum(lanes, 0, Vec.L);
        for (; c < cols; c++) sum += Bytes.f16(w, off + 2L * c) * x[xOff + c];
        return sum;
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) Vec.halfs(w, off + 2L * c).intoArray(dst, dstOff + c);
        for (; c < cols; c++) dst[dstOff + c] = Bytes.f16(w, off + 2L * c);
    }
}
