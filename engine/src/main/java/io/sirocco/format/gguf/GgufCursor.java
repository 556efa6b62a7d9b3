package io.sirocco.format.gguf;

import io.sirocco.format.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sequential little-endian reads over a mapped GGUF file. Every read is bounds-checked first, so a truncated or
 * lying file ends in a {@link ModelFormatException} that says what was being read and where.
 */
final class GgufCursor {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment segment;
    private final long size;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private long pos;

    GgufCursor(Path file, MemorySegment segment) {
        this.file = file;
        this.segment = segment;
        this.size = segment.byteSize();
    }

    long position() {
        return pos;
    }

    long remaining() {
        return size - pos;
    }

    ModelFormatException error(String problem) {
        return new ModelFormatException(file, problem);
    }

    private void need(long bytes, String what) {
        if (bytes < 0 || bytes > size - pos)
            throw error("truncated file: " + what + " needs " + Long.toUnsignedString(bytes) + " bytes at offset " + pos
                    + " but the file has " + size + " bytes");
    }

    int u8(String what) {
        need(1, what);
        return segment.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
    }

    int u16(String what) {
        need(2, what);
        int v = segment.get(U16, pos) & 0xFFFF;
        pos += 2;
        return v;
    }

    int u32(String what) {
        need(4, what);
        int v = segment.get(U32, pos);
        pos += 4;
        return v;
    }

    long u64(String what) {
        need(8, what);
        long v = segment.get(U64, pos);
        pos += 8;
        return v;
    }

    float f32(String what) {
        need(4, what);
        float v = segment.get(F32, pos);
        pos += 4;
        return v;
    }

    double f64(String what) {
        need(8, what);
        double v = segment.get(F64, pos);
        pos += 8;
        return v;
    }

    /**
     * A count field (array length, tensor count...) of items that take at least {@code minItemBytes} each: a count
     * the rest of the file cannot hold is rejected here, before anything is allocated for it.
     */
    long count(String what, long minItemBytes) {
        long n = u64(what);
        if (n < 0 || (minItemBytes > 0 && n > remaining() / minItemBytes))
            throw error(what + " is " + Long.toUnsignedString(n) + ", more than the remaining " + remaining()
                    + " bytes of the file can hold");
        return n;
    }

    /** A GGUF string: uint64 length, then that many bytes of UTF-8. */
    String string(String what) {
        long len = u64(what);
        if (len < 0 || len > remaining())
            throw error(what + " has length " + Long.toUnsignedString(len) + " at offset " + (pos - 8)
                    + ", past the end of the file (" + remaining() + " bytes left)");
        if (len > Integer.MAX_VALUE - 16) throw error(what + " is too long (" + len + " bytes)");
        ByteBuffer bytes = segment.asSlice(pos, len).asByteBuffer();
        try {
            String s = utf8.reset().decode(bytes).toString();
            pos += len;
            return s;
        } catch (CharacterCodingException e) {
            throw error(what + " at offset " + pos + " is not valid UTF-8");
        }
    }

    void skipTo(long offset) {
        pos = offset;
    }
}
