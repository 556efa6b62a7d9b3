package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** BF16 rows: the high 16 bits of F32 values, widened by a shift. */
final class BF16Kernel implements RowKernel {
    static final BF16Kernel INSTANCE = new BF16Kernel();

    private static final int CHUNK = 256;

    private BF16Kernel() {}

    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, byte[] scratch) {
        float sum = 0;
        for (int c = 0; c < cols; c += CHUNK) sum += chunk(w, off + 2L * c, Math.min(CHUNK, cols - c), x, xOff + c);
        return sum;
    }

    /** n values at {@code off} times x[xi ..]; returns a float so no vector crosses a call that might not be inlined. */
    private static float chunk(MemorySegment w, long off, int n, float[] x, int xi) {
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (int bound = F.loopBound(n); c < bound; c += L)
            acc = Vec.bfloats(w, off + 2L * c).fma(FloatVector.fromArray(F, x, xi + c), acc);
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; c < n; c++) sum += Bytes.bf16(w, off + 2L * c) * x[xi + c];
        return sum;
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff, byte[] scratch) {
        int c = 0;
        for (int bound = F.loopBound(cols); c < bound; c += L) Vec.bfloats(w, off + 2L * c).intoArray(dst, dstOff + c);
        for (; c < cols; c++) dst[dstOff + c] = Bytes.bf16(w, off + 2L * c);
    }
}
