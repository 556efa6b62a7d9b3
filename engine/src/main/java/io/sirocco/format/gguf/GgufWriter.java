package io.sirocco.format.gguf;

import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes GGUF version 3 files: metadata of every type (arrays included) and tensors, each tensor's data aligned to
 * {@link #alignment(int)} (default 32). Used for demo/bench models, conversions and tests.
 *
 * <pre>{@code
 * new GgufWriter()
 *     .putString("general.architecture", "llama")
 *     .putUInt32("llama.block_count", 2)
 *     .addTensor("output_norm.weight", GgmlType.F32, new long[] {64}, bytes)
 *     .write(path);
 * }</pre>
 */
public final class GgufWriter {
    private record Value(GgufValueType type, Object value) {}

    private record PendingTensor(String name, GgmlType type, long[] shape, MemorySegment data) {}

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    /** Sets the data alignment (a power of two) and records it as {@code general.alignment} when not the default. */
    public GgufWriter alignment(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        this.alignment = alignment;
        if (alignment == GgufFile.DEFAULT_ALIGNMENT) metadata.remove(GgufFile.ALIGNMENT_KEY);
        else metadata.put(GgufFile.ALIGNMENT_KEY, new Value(GgufValueType.UINT32, (long) alignment));
        return this;
    }

    /**
     * Adds (or replaces) a key. Integer types take any {@link Number} holding an integer in the type's range (UINT64
     * takes the raw bits of a long); FLOAT32/FLOAT64 any number; BOOL a Boolean; STRING a String; ARRAY a
     * {@link GgufArray} (or a plain list, element type inferred from the first element).
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (key == null) throw new IllegalArgumentException("null key");
        Object v = checked(type, value, key);
        if (key.equals(GgufFile.ALIGNMENT_KEY)) {
            if (!(v instanceof Long a) || a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1)
                throw new IllegalArgumentException(key + " must be a power of two integer up to 2^30: " + value);
            alignment = (int) (long) a;
        }
        metadata.put(key, new Value(type, v));
        return this;
    }

    public GgufWriter putString(String key, String value) { return put(key, GgufValueType.STRING, value); }
    public GgufWriter putBool(String key, boolean value) { return put(key, GgufValueType.BOOL, value); }
    public GgufWriter putUInt8(String key, int value) { return put(key, GgufValueType.UINT8, value); }
    public GgufWriter putInt8(String key, int value) { return put(key, GgufValueType.INT8, value); }
    public GgufWriter putUInt16(String key, int value) { return put(key, GgufValueType.UINT16, value); }
    public GgufWriter putInt16(String key, int value) { return put(key, GgufValueType.INT16, value); }
    public GgufWriter putUInt32(String key, long value) { return put(key, GgufValueType.UINT32, value); }
    public GgufWriter putInt32(String key, int value) { return put(key, GgufValueType.INT32, value); }
    public GgufWriter putUInt64(String key, long value) { return put(key, GgufValueType.UINT64, value); }
    public GgufWriter putInt64(String key, long value) { return put(key, GgufValueType.INT64, value); }
    public GgufWriter putFloat32(String key, float value) { return put(key, GgufValueType.FLOAT32, value); }
    public GgufWriter putFloat64(String key, double value) { return put(key, GgufValueType.FLOAT64, value); }

    public GgufWriter putArray(String key, GgufValueType elementType, List<?> values) {
        return put(key, GgufValueType.ARRAY, new GgufArray(elementType, values));
    }

    public GgufWriter putStrings(String key, List<String> values) {
        return putArray(key, GgufValueType.STRING, values);
    }

    public GgufWriter putFloat32s(String key, float[] values) {
        List<Float> list = new ArrayList<>(values.length);
        for (float v : values) list.add(v);
        return putArray(key, GgufValueType.FLOAT32, list);
    }

    public GgufWriter putInt32s(String key, int[] values) {
        return putArray(key, GgufValueType.INT32, Arrays.stream(values).boxed().toList());
    }

    /** Copies every key of {@code source} with its on-disk type (inner types of nested arrays are inferred). */
    public GgufWriter copyMetadata(GgufFile source) {
        for (var e : source.metadata().entrySet()) {
            GgufValueType type = source.type(e.getKey()).orElseThrow();
            Object v = type == GgufValueType.ARRAY
                    ? new GgufArray(source.arrayType(e.getKey()).orElseThrow(), (List<?>) e.getValue())
                    : e.getValue();
            put(e.getKey(), type, v);
        }
        return this;
    }

    public GgufWriter addTensor(Tensor t) {
        return addTensor(t.name(), t.type(), t.shape(), t.data());
    }

    /** {@code shape} outermost first (as {@link Tensor#shape()}); {@code data} in the type's block layout. */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, byte[] data) {
        return addTensor(name, type, shape, MemorySegment.ofArray(data));
    }

    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        if (tensorNames.contains(name)) throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        if (shape.length > GgufFile.MAX_DIMS) throw new IllegalArgumentException(name + ": at most " + GgufFile.MAX_DIMS + " dimensions");
        long elements = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            elements = Math.multiplyExact(elements, d);
        }
        long rowLength = shape.length == 0 ? 1 : shape[shape.length - 1];
        if (rowLength % type.blockSize != 0)
            throw new IllegalArgumentException(name + ": row length " + rowLength + " is not a multiple of the " + type + " block size " + type.blockSize);
        long bytes = elements / type.blockSize * type.typeSize;
        if (data.byteSize() != bytes)
            throw new IllegalArgumentException(name + ": " + type + " " + Arrays.toString(shape) + " needs " + bytes + " bytes, got " + data.byteSize());
        tensorNames.add(name);
        tensors.add(new PendingTensor(name, type, shape.clone(), data));
        return this;
    }

    public void write(Path path) {
        Out h = new Out();
        h.u32(GgufFile.MAGIC).u32(3).u64(tensors.size()).u64(metadata.size());
        for (var e : metadata.entrySet()) {
            h.string(e.getKey());
            h.u32(e.getValue().type.id);
            writeValue(h, e.getValue().type, e.getValue().value);
        }
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (PendingTensor t : tensors) {
            h.string(t.name).u32(t.shape.length);
            for (int d = t.shape.length - 1; d >= 0; d--) h.u64(t.shape[d]);
            h.u32(t.type.id).u64(offset);
            offsets.add(offset);
            offset = align(offset + t.data.byteSize());
        }
        h.pad(align(h.size()) - h.size());
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            writeFully(ch, ByteBuffer.wrap(h.bytes()));
            long dataStart = ch.position();
            for (int i = 0; i < tensors.size(); i++) {
                ch.position(dataStart + offsets.get(i));
                MemorySegment data = tensors.get(i).data;
                for (long at = 0; at < data.byteSize(); at += 1 << 30)
                    writeFully(ch, data.asSlice(at, Math.min(1 << 30, data.byteSize() - at)).asByteBuffer());
            }
            // The last tensor is padded too, so that every tensor ends inside an aligned data section.
            long end = dataStart + offset;
            if (ch.size() < end) {
                ch.position(end - 1);
                writeFully(ch, ByteBuffer.wrap(new byte[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    private long align(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void writeValue(Out out, GgufValueType type, Object v) {
        switch (type) {
            case UINT8, INT8, BOOL -> out.u8(type == GgufValueType.BOOL ? ((Boolean) v ? 1 : 0) : (int) (long) (Long) v);
            case UINT16, INT16 -> out.u16((int) (long) (Long) v);
            case UINT32, INT32 -> out.u32((int) (long) (Long) v);
            case UINT64, INT64 -> out.u64((Long) v);
            case FLOAT32 -> out.u32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits((Double) v));
            case STRING -> out.string((String) v);
            case ARRAY -> {
                GgufArray a = (GgufArray) v;
                out.u32(a.elementType().id).u64(a.values().size());
                for (Object e : a.values()) writeValue(out, a.elementType(), e);
            }
        }
    }

    /** Validates {@code value} for {@code type} and normalizes it (integers to Long, floats to Float/Double). */
    private static Object checked(GgufValueType type, Object value, String key) {
        if (value == null) throw new IllegalArgumentException(key + ": null value");
        switch (type) {
            case STRING -> {
                if (value instanceof String) return value;
            }
            case BOOL -> {
                if (value instanceof Boolean) return value;
            }
            case FLOAT32 -> {
                if (value instanceof Number n) return n.floatValue();
            }
            case FLOAT64 -> {
                if (value instanceof Number n) return n.doubleValue();
            }
            case ARRAY -> {
                GgufArray a = value instanceof GgufArray g ? g : value instanceof List<?> l ? new GgufArray(inferType(l), l) : null;
                if (a != null) {
                    List<Object> items = new ArrayList<>(a.values().size());
                    for (Object e : a.values()) items.add(checked(a.elementType(), e, key + "[]"));
                    return new GgufArray(a.elementType(), items);
                }
            }
            default -> {
                if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
                    long v = ((Number) value).longValue();
                    long min, max;
                    switch (type) {
                        case UINT8 -> { min = 0; max = 0xFF; }
                        case INT8 -> { min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; }
                        case UINT16 -> { min = 0; max = 0xFFFF; }
                        case INT16 -> { min = Short.MIN_VALUE; max = Short.MAX_VALUE; }
                        case UINT32 -> { min = 0; max = 0xFFFF_FFFFL; }
                        case INT32 -> { min = Integer.MIN_VALUE; max = Integer.MAX_VALUE; }
                        default -> { min = Long.MIN_VALUE; max = Long.MAX_VALUE; } // UINT64 takes raw bits
                    }
                    if (v < min || v > max) throw new IllegalArgumentException(key + ": " + v + " is out of range for " + type);
                    return v;
                }
            }
        }
        throw new IllegalArgumentException(key + ": " + value.getClass().getSimpleName() + " is not a valid " + type + " value");
    }

    private static GgufValueType inferType(List<?> list) {
        if (list.isEmpty()) return GgufValueType.UINT8;
        return switch (list.getFirst()) {
            case String s -> GgufValueType.STRING;
            case Boolean b -> GgufValueType.BOOL;
            case Float f -> GgufValueType.FLOAT32;
            case Double d -> GgufValueType.FLOAT64;
            case Integer i -> GgufValueType.INT32;
            case Number n -> GgufValueType.INT64;
            case List<?> l -> GgufValueType.ARRAY;
            case GgufArray a -> GgufValueType.ARRAY;
            default -> throw new IllegalArgumentException("cannot infer a GGUF type for " + list.getFirst().getClass());
        };
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Out u8(int v) { bytes.write(v); return this; }
        Out u16(int v) { scratch.clear(); scratch.putShort((short) v); bytes.write(scratch.array(), 0, 2); return this; }
        Out u32(int v) { scratch.clear(); scratch.putInt(v); bytes.write(scratch.array(), 0, 4); return this; }
        Out u64(long v) { scratch.clear(); scratch.putLong(v); bytes.write(scratch.array(), 0, 8); return this; }

        Out string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes.write(b, 0, b.length);
            return this;
        }

        Out pad(long n) {
            for (long i = 0; i < n; i++) bytes.write(0);
            return this;
        }

        long size() { return bytes.size(); }
        byte[] bytes() { return bytes.toByteArray(); }
    }
}
