package io.sirocco.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian, unaligned reads and writes: GGUF blocks sit at any byte offset. */
final class Bytes {
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Bytes() {}

    static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    static int i8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off);
    }

    static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(SHORT, off));
    }

    static float bf16(MemorySegment s, long off) {
        return Float.intBitsToFloat((s.get(SHORT, off) & 0xFFFF) << 16);
    }

    static float f32(MemorySegment s, long off) {
        return s.get(FLOAT, off);
    }

    /** Binary16 at {@code i} of a heap copy of a row. */
    static float f16(byte[] b, int i) {
        return Float.float16ToFloat((short) ((b[i] & 0xFF) | b[i + 1] << 8));
    }

    static void putU8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    static void putF16(MemorySegment s, long off, float v) {
        s.set(SHORT, off, Float.floatToFloat16(v));
    }
}
