package io.sirocco.tensor.kernel;

import io.sirocco.tensor.GgmlType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A quantized type's kernels: copy the row's blocks to the heap scratch, then work on the copy block by block. */
abstract class BlockKernel implements RowKernel {
    private final GgmlType type;

    BlockKernel(GgmlType type) {
        this.type = type;
    }

    @Override
    public final float dot(MemorySegment w, long off, int cols, float[] x, int xOff, byte[] scratch) {
        int blocks = cols / type.blockSize;
        MemorySegment.copy(w, ValueLayout.JAVA_BYTE, off, scratch, 0, blocks * type.typeSize);
        return dot(scratch, blocks, x, xOff);
    }

    @Override
    public final void dequantize(MemorySegment w, long off, int cols, float[] dst, int dstOff, byte[] scratch) {
        int blocks = cols / type.blockSize;
        MemorySegment.copy(w, ValueLayout.JAVA_BYTE, off, scratch, 0, blocks * type.typeSize);
        dequantize(scratch, blocks, dst, dstOff);
    }

    /** Σ over {@code blocks} blocks at the start of {@code row} of weight · x[xOff ..]. */
    abstract float dot(byte[] row, int blocks, float[] x, int xOff);

    abstract void dequantize(byte[] row, int blocks, float[] dst, int dstOff);
}
