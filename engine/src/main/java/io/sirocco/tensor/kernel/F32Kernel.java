package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** F32 rows: plain little-endian floats. */
final class F32Kernel implements RowKernel {
    static final F32Kernel INSTANCE = new F32Kernel();

    private static final int CHUNK = 256;

    private F32Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, byte[] scratch) {
        float sum = 0;
        for (int c = 0; c < cols; c += CHUNK) sum += chunk(w, off + 4L * c, Math.min(CHUNK, cols - c), x, xOff + c);
        return sum;
    }

    /** n values at {@code off} times x[xi ..]; returns a float so no vector crosses a call that might not be inlined. */
    private static float chunk(MemorySegment w, long off, int n, float[] x, int xi) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int bound = F.loopBound(n); c < bound; c += L)
            acc = FloatVector.fromMemorySegment(F, w, off + 4L * c, Vec.LE).fma(FloatVector.fromArray(F, x, xi + c), acc);
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; c < n; c++) sum += Bytes.f32(w, off + 4L * c) * x[xi + c];
        return sum;
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff, byte[] scratch) {
        MemorySegment.copy(w, Bytes.FLOAT, off, dst, dstOff, cols);
    }
}
