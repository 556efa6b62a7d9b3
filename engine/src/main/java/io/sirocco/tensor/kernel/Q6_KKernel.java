package io.sirocco.tensor.kernel;

import static io.sirocco.tensor.kernel.Vec.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q6_K rows (layout in {@link ScalarKernels#q6_K}): 210-byte super-blocks of 256 values. Each 16-byte load of ql/qh
 * covers 16 consecutive l of one half, which share one scale per output quarter.
 */
final class Q6_KKernel implements RowKernel {
    static final Q6_KKernel INSTANCE = new Q6_KKernel();
    private static final int BLOCK_BYTES = 210;
    private static final VectorSpecies<Short> S16 = ShortVector.SPECIES_256;

    private Q6_KKernel() {}

    /*
     * A half (128 values) is four quarters j of 32 consecutive l (value l + 32j, scale sc[l/16 + 2j]): ql[32k ..]
     * holds the low nibbles of quarters k (low) and k + 2 (high), and bits 2j of qh[0 ..32] the top bits of quarter
     * j. The 6-bit values are assembled in byte lanes (one op covers 32 values; x86 has no byte shift, so shifts act
     * on 16-bit lanes and the masks drop the bits that cross into the neighbouring byte) and only then widened:
     * widening first cost five int ops per 16 values. The −32 is a byte subtraction; the scale multiplies the q·x
     * products, so no per-value dequantization FMA remains.
     *
     * The row is swept twice, once per pair k of quarters (k, k + 2); the second sweep reads it from L1. One sweep
     * for all four quarters had so many vector calls that C2 sometimes hit its inlining node budget inside the model
     * (never in the kernel benchmark) and left the segment reads as calls, making decode 30 % slower.
     * KernelBench 256×5120 (L2-resident): 0.16–0.21 → 0.13 ms; from DRAM (decode in the model) no measurable change:
     * there the loop waits on memory.
     */
    @Override
    public float dot(MemorySegment w, long off, int cols, float[] x, int xOff) {
        return dotQuarters(w, off, cols, x, xOff, 0) + dotQuarters(w, off, cols, x, xOff, 1);
    }

    /** Σ over quarters k and k + 2 of every half of the row. */
    private static float dotQuarters(MemorySegment w, long off, int cols, float[] x, int xOff, int k) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0;  // two chains of FMAs in flight
        int topLeft = 4 - 2 * k, topRight = 2 * k;  // quarter k's top bits to bits 4-5: << 4 - 2k; quarter k+2's: >>> 2k
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at + 208);
            for (int half = 0; half < 2; half++) {
                long sc = w.get(Bytes.LONG, at + 192 + 8 * half) >> 16 * k;  // byte g + 2j: scale of quarter j, part g
                ShortVector low = ShortVector.fromMemorySegment(S16, w, at + 64 * half + 32 * k, Vec.LE);
                ShortVector top = ShortVector.fromMemorySegment(S16, w, at + 128 + 32 * half, Vec.LE);
                ByteVector qa = low.and((short) 0x0F0F).or(top.lanewise(VectorOperators.LSHL, topLeft).and((short) 0x3030)).reinterpretAsBytes().sub((byte) 32);
                ByteVector qb = low.lanewise(VectorOperators.LSHR, 4).and((short) 0x0F0F).or(top.lanewise(VectorOperators.LSHR, topRight).and((short) 0x3030)).reinterpretAsBytes().sub((byte) 32);
                for (int p = 0; p < 32 / Vec.L; p++) {
                    int xi = xOff + 256 * b + 128 * half + 32 * k + p * Vec.L;
                    long s = sc >> 8 * (p * Vec.L / 16);
                    acc0 = ((FloatVector) qa.convertShape(VectorOperators.B2F, F, p)).mul(d * (byte) s).fma(FloatVector.fromArray(F, x, xi), acc0);
                    acc1 = ((FloatVector) qb.convertShape(VectorOperators.B2F, F, p)).mul(d * (byte) (s >> 32)).fma(FloatVector.fromArray(F, x, xi + 64), acc1);
                }
            }
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff) {
        for (int b = 0, blocks = cols / 256; b < blocks; b++) {
            long at = off + (long) b * BLOCK_BYTES;
            float d = Bytes.f16(w, at + 208);
            for (int half = 0; half < 2; half++) {
                long ql = at + 64 * half, qh = at + 128 + 32 * half, sc = at + 192 + 8 * half;
                int base = dstOff + 256 * b + 128 * half;
                for (int j = 0; j < 4; j++) {
                    for (int g = 0; g < 2; g++) {
                        float s = d * Bytes.i8(w, sc + g + 2 * j);
                        Vec.store16(Vec.bytes(w, ql + 16 * g + 32 * (j & 1)), 4 * (j >> 1), Vec.bytes(w, qh + 16 * g), 2 * j, 3,
                                s, -32 * s, dst, base + 16 * g + 32 * j);
                    }
                }
            }
        }
    }
}
