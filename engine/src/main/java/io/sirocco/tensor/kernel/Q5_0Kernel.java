package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;
import static io.sirocco.tensor.kernel.Vec.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_0 rows (layout in {@link ScalarKernels#q5_0}). llama-quantize falls back to it for rows too short for K-quants
 * (e.g. 64-wide tensors of a Q4_K_M file). Unpacked as {@link Q4_0Kernel#dequantize}, with each lane's fifth bit
 * shifted out of the block's qh word by a per-lane count: 205 → 23 ms (KernelBench 32768×5120, one thread, --no-int8-decode) against
 * unpacking each block to 32 floats first. Decode normally reads a copy converted to Q8_0 ({@link InterleavedRows}).
 */
final class Q5_0Kernel implements RowKernel {
    static final Q5_0Kernel INSTANCE = new Q5_0Kernel();
    private static final int BLOCK_BYTES = 22;
    /** Lane i of part p takes bit p·L + i of qh (of its upper half for the high nibbles). */
    private static final int[] BITS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

    private Q5_0Kernel() {}

    /** Each block dequantized into lanes[0 .. 32) (L1), then its 32 products: one copy of the unpacking, below. */
    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;  // low and high nibbles: two chains of FMAs in flight
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            dequantize(w, off + (long) b * BLOCK_BYTES, 32, lanes, 0);
            int xi = xOff + 32 * b;
            for (int i = 0; i < 16; i += L) {
                acc0 = FloatVector.fromArray(F, lanes, i).fma(FloatVector.fromArray(F, x, xi + i), acc0);
                acc1 = FloatVector.fromArray(F, lanes, 16 + i).fma(FloatVector.fromArray(F, x, xi + 16 + i), acc1);
            }
        }
        acc0.add(acc1).intoArray(lanes, 0);
        return FloatLanes.sum(lanes, 0, L);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        for (int b = 0, blocks = cols / 32; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at), o = -16 * d;
            int qh = w.get(Bytes.INT, at + 2);
            ByteVector q = Vec.bytes(w, at + 6);
            int di = dstOff + 32 * b;
            for (int p = 0; p < Vec.PARTS; p++) {
                IntVector v = (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, Vec.I, p);
                IntVector bits = IntVector.fromArray(Vec.I, BITS, p * L);
                IntVector h0 = IntVector.broadcast(Vec.I, qh).lanewise(VectorOperators.LSHR, bits).lanewise(VectorOperators.LSHL, 4);
                IntVector h1 = IntVector.broadcast(Vec.I, qh >>> 16).lanewise(VectorOperators.LSHR, bits).lanewise(VectorOperators.LSHL, 4);
                ((FloatVector) v.and(0xF).or(h0.and(0x10)).convert(VectorOperators.I2F, 0)).fma(d, o).intoArray(dst, di + p * L);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).or(h1.and(0x10)).convert(VectorOperators.I2F, 0)).fma(d, o)
                        .intoArray(dst, di + 16 + p * L);
            }
        }
    }
}
