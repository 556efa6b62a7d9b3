package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/** F32 rows: plain little-endian floats. */
final class F32Kernel implements RowKernel {
    static final F32Kernel INSTANCE = new F32Kernel();

    private F32Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L)
            acc = FloatVector.fromMemorySegment(F, w, off + 4L * c, Vec.LE).fma(FloatVector.fromArray(F, x, xOff + c), acc);
        acc.intoArray(lanes, 0);
        float sum = FloatLanes.sum(lanes, 0, Vec.L);
        for (; c < cols; c++) sum += Bytes.f32(w, off + 4L * c) * x[xOff + c];
        return sum;
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        MemorySegment.copy(w, Bytes.FLOAT, off, dst, dstOff, cols);
    }
}
