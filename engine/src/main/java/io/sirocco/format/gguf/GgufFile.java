package io.sirocco.format.gguf;

import io.sirocco.format.ModelFormatException;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (versions 2 and 3), memory-mapped: metadata is parsed into Java values, tensors are slices of the
 * mapping (never copied). The mapping lives until {@link #close()}; tensor data must not be used after that.
 *
 * <p>Layout: magic "GGUF", uint32 version, uint64 tensor count, uint64 metadata count, the metadata key/values, the
 * tensor infos (name, n_dims, ne[n_dims] innermost first, type id, offset relative to the data section), padding to
 * {@code general.alignment} (default 32), the data section.
 *
 * <p>Metadata values: every integer type as {@link Long} (uint64 keeps its raw bits), float32 as {@link Float},
 * float64 as {@link Double}, bool as {@link Boolean}, string as {@link String}, arrays as {@code List<Object>} of
 * these (arrays may nest).
 */
public final class GgufFile implements AutoCloseable {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    public static final int DEFAULT_ALIGNMENT = 32;
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;
    /** Nesting limit for arrays of arrays: real files use none; a corrupt file must not overflow the stack. */
    static final int MAX_ARRAY_DEPTH = 16;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapping;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType> types;
    private final Map<String, GgufValueType> arrayTypes;
    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName;
    private final long dataOffset;
    private final int alignment;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, Map<String, Object> metadata,
                     Map<String, GgufValueType> types, Map<String, GgufValueType> arrayTypes, List<Tensor> tensors,
                     long dataOffset, int alignment) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.types = types;
        this.arrayTypes = arrayTypes;
        this.tensors = List.copyOf(tensors);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : tensors) m.put(t.name(), t);
        this.byName = m;
        this.dataOffset = dataOffset;
        this.alignment = alignment;
    }

    /** Maps and parses {@code path}; any problem with the file is a {@link ModelFormatException}. */
    public static GgufFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                io.sirocco.tensor.HugePages.adviseHuge(mapping);
            } catch (IOException e) {
                throw new ModelFormatException(path, "cannot read: " + e, e);
            }
            return parse(path, arena, mapping);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment mapping) {
        GgufCursor in = new GgufCursor(path, mapping);
        long fileSize = mapping.byteSize();
        if (fileSize < 4) throw in.error("not a GGUF file: only " + fileSize + " bytes");
        int magic = in.u32("magic");
        if (magic != MAGIC) throw in.error(String.format("not a GGUF file: magic is 0x%08x, expected \"GGUF\"", magic));
        int version = in.u32("version");
        if (version == 1) throw in.error("GGUF version 1 is unsupported (only versions 2 and 3); re-convert the model with a current llama.cpp");
        if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3)
            throw in.error("big-endian GGUF files are unsupported");
        if (version != 2 && version != 3) throw in.error("unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");

        // Bounds on the counts: a tensor info takes at least 24 bytes (empty name, n_dims, type, offset), a key/value 13.
        long tensorCount = in.count("tensor count", 24);
        long kvCount = in.count("metadata key/value count", 13);

        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, GgufValueType> types = new LinkedHashMap<>();
        Map<String, GgufValueType> arrayTypes = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            if (metadata.containsKey(key)) throw in.error("duplicate metadata key '" + key + "'");
            GgufValueType type = valueType(in, in.u32("type of metadata '" + key + "'"), "metadata '" + key + "'");
            types.put(key, type);
            if (type == GgufValueType.ARRAY) {
                long at = in.position();
                arrayTypes.put(key, valueType(in, in.u32("array type of '" + key + "'"), "array '" + key + "'"));
                in.skipTo(at);
            }
            metadata.put(key, readValue(in, type, key, "value of '" + key + "'", 0));
        }

        int alignment = DEFAULT_ALIGNMENT;
        if (metadata.containsKey(ALIGNMENT_KEY)) {
            if (!(metadata.get(ALIGNMENT_KEY) instanceof Long a) || a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1)
                throw in.error(ALIGNMENT_KEY + " must be a power of two integer up to 2^30, found "
                        + describe(metadata.get(ALIGNMENT_KEY)));
            alignment = (int) (long) a;
        }

        record Info(String name, GgmlType type, long[] shape, long offset, long bytes) {}
        List<Info> infos = new ArrayList<>();
        Map<String, Info> seen = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("name of tensor #" + i);
            if (seen.containsKey(name)) throw in.error("duplicate tensor name '" + name + "'");
            String what = "tensor '" + name + "'";
            int nDims = in.u32("dimension count of " + what);
            if (nDims < 0 || nDims > MAX_DIMS) throw in.error(what + " has " + Integer.toUnsignedString(nDims) + " dimensions (at most " + MAX_DIMS + ")");
            long[] ne = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = in.u64("dimension " + d + " of " + what);
                if (ne[d] < 0) throw in.error(what + " has dimension " + d + " = " + Long.toUnsignedString(ne[d]) + ", out of range");
                try {
                    elements = Math.multiplyExact(elements, ne[d]);
                } catch (ArithmeticException e) {
                    throw in.error(what + " has too many elements: the product of its dimensions overflows");
                }
            }
            int typeId = in.u32("type of " + what);
            GgmlType type = GgmlType.fromId(typeId).orElseThrow(
                    () -> in.error(what + " has unknown tensor type id " + Integer.toUnsignedString(typeId)));
            long rowLength = nDims == 0 ? 1 : ne[0];
            if (rowLength % type.blockSize != 0)
                throw in.error(what + " of type " + type + " has rows of " + rowLength + " elements, not a multiple of its block size " + type.blockSize);
            long bytes;
            try {
                bytes = Math.multiplyExact(elements / type.blockSize, (long) type.typeSize);
            } catch (ArithmeticException e) {
                throw in.error(what + " is too large: its byte size overflows");
            }
            long offset = in.u64("data offset of " + what);
            if (offset < 0 || offset % alignment != 0)
                throw in.error(what + " has data offset " + Long.toUnsignedString(offset) + ", not a multiple of the alignment " + alignment);
            long[] shape = new long[nDims];
            for (int d = 0; d < nDims; d++) shape[d] = ne[nDims - 1 - d];
            Info info = new Info(name, type, shape, offset, bytes);
            infos.add(info);
            seen.put(name, info);
        }

        long headerEnd = in.position();
        long dataOffset = (headerEnd + alignment - 1) / alignment * alignment;
        if (dataOffset > fileSize && !infos.isEmpty())
            throw in.error("header ends at " + headerEnd + " (data section at " + dataOffset + ") but the file has only " + fileSize + " bytes");
        long dataSize = Math.max(0, fileSize - dataOffset);

        List<Info> byOffset = new ArrayList<>(infos);
        byOffset.sort(Comparator.comparingLong(Info::offset));
        Info previous = null;
        for (Info info : byOffset) {
            if (info.offset > dataSize || info.bytes > dataSize - info.offset)
                throw in.error("tensor '" + info.name + "' (" + info.bytes + " bytes at data offset " + info.offset
                        + ") extends past the end of the file (data section has " + dataSize + " bytes)");
            if (previous != null && info.offset < previous.offset + previous.bytes)
                throw in.error("tensors '" + previous.name + "' and '" + info.name + "' overlap");
            previous = info;
        }

        List<Tensor> tensors = new ArrayList<>(infos.size());
        for (Info info : infos)
            tensors.add(new Tensor(info.name, info.type, info.shape, mapping.asSlice(dataOffset + info.offset, info.bytes)));
        return new GgufFile(path, arena, mapping, version, metadata, types, arrayTypes, tensors, dataOffset, alignment);
    }

    private static GgufValueType valueType(GgufCursor in, int id, String what) {
        return GgufValueType.fromId(id).orElseThrow(
                () -> in.error(what + " has unknown value type id " + Integer.toUnsignedString(id)));
    }

    /** {@code what} names the value in error messages (built once per key, not per array element). */
    private static Object readValue(GgufCursor in, GgufValueType type, String key, String what, int depth) {
        return switch (type) {
            case UINT8 -> (long) in.u8(what);
            case INT8 -> (long) (byte) in.u8(what);
            case UINT16 -> (long) in.u16(what);
            case INT16 -> (long) (short) in.u16(what);
            case UINT32 -> Integer.toUnsignedLong(in.u32(what));
            case INT32 -> (long) in.u32(what);
            case UINT64, INT64 -> in.u64(what);
            case FLOAT32 -> in.f32(what);
            case FLOAT64 -> in.f64(what);
            case BOOL -> {
                int b = in.u8(what);
                if (b > 1) throw in.error("metadata '" + key + "' has bool value " + b + " (must be 0 or 1)");
                yield b == 1;
            }
            case STRING -> in.string(what);
            case ARRAY -> {
                if (depth >= MAX_ARRAY_DEPTH) throw in.error("metadata '" + key + "' nests arrays deeper than " + MAX_ARRAY_DEPTH + " levels");
                GgufValueType elementType = valueType(in, in.u32("array type of '" + key + "'"), "array '" + key + "'");
                long n = in.count("length of array '" + key + "'", elementType.minBytes);
                List<Object> list = new ArrayList<>((int) Math.min(n, 1 << 20));
                String elementWhat = "element of array '" + key + "'";
                for (long i = 0; i < n; i++) list.add(readValue(in, elementType, key, elementWhat, depth + 1));
                yield Collections.unmodifiableList(list);
            }
        };
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    /** All metadata in file order (unmodifiable); see the class comment for the value types. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The on-disk type of a metadata value, or empty when the key is absent. */
    public Optional<GgufValueType> type(String key) {
        return Optional.ofNullable(types.get(key));
    }

    /** The element type of a metadata array, or empty when the key is absent or not an array. */
    public Optional<GgufValueType> arrayType(String key) {
        return Optional.ofNullable(arrayTypes.get(key));
    }

    /** Tensors in file order; their data are slices of the mapping. */
    public List<Tensor> tensors() {
        return tensors;
    }

    public Optional<Tensor> tensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Absolute file offset of the data section (tensor offsets are relative to it). */
    public long dataOffset() {
        return dataOffset;
    }

    public int alignment() {
        return alignment;
    }

    /** Size of the mapped file in bytes. */
    public long fileSize() {
        return mapping.byteSize();
    }

    public boolean containsKey(String key) {
        return metadata.containsKey(key);
    }

    // ---- typed getters: a missing key or a value of the wrong type names the key and what was found ----

    public String getString(String key) {
        return as(key, String.class, "a string");
    }

    public Optional<String> getOptionalString(String key) {
        return containsKey(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /** Any integer type, as a long (uint64 keeps its raw bits). */
    public long getLong(String key) {
        return as(key, Long.class, "an integer");
    }

    public Optional<Long> getOptionalLong(String key) {
        return containsKey(key) ? Optional.of(getLong(key)) : Optional.empty();
    }

    /** Any integer type whose value fits in an int. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) throw new ModelFormatException(path, "metadata '" + key + "' = " + v + " does not fit in an int");
        return (int) v;
    }

    public Optional<Integer> getOptionalInt(String key) {
        return containsKey(key) ? Optional.of(getInt(key)) : Optional.empty();
    }

    /** float32 or float64 (narrowed), or an integer (converted). */
    public float getFloat(String key) {
        return (float) getDouble(key);
    }

    public Optional<Float> getOptionalFloat(String key) {
        return containsKey(key) ? Optional.of(getFloat(key)) : Optional.empty();
    }

    /** float32, float64, or an integer (converted). */
    public double getDouble(String key) {
        Object v = require(key);
        if (v instanceof Float f) return f;
        if (v instanceof Double d) return d;
        if (v instanceof Long l) return l;
        throw wrongType(key, "a number", v);
    }

    public Optional<Double> getOptionalDouble(String key) {
        return containsKey(key) ? Optional.of(getDouble(key)) : Optional.empty();
    }

    public boolean getBoolean(String key) {
        return as(key, Boolean.class, "a bool");
    }

    public Optional<Boolean> getOptionalBoolean(String key) {
        return containsKey(key) ? Optional.of(getBoolean(key)) : Optional.empty();
    }

    /** An array value. */
    @SuppressWarnings("unchecked")
    public List<Object> getList(String key) {
        return as(key, List.class, "an array");
    }

    /** An array of strings (e.g. {@code tokenizer.ggml.tokens}). */
    public List<String> getStringList(String key) {
        List<Object> list = getList(key);
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof String s)) throw wrongType(key, "an array of strings", list);
            out.add(s);
        }
        return out;
    }

    /** An array of numbers as floats (e.g. {@code tokenizer.ggml.scores}). */
    public float[] getFloatArray(String key) {
        List<Object> list = getList(key);
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object o = list.get(i);
            if (o instanceof Float f) out[i] = f;
            else if (o instanceof Double d) out[i] = (float) (double) d;
            else if (o instanceof Long l) out[i] = l;
            else throw wrongType(key, "an array of numbers", list);
        }
        return out;
    }

    /** An array of integers that fit in an int (e.g. {@code tokenizer.ggml.token_type}). */
    public int[] getIntArray(String key) {
        List<Object> list = getList(key);
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long l) || l != (int) (long) l)
                throw wrongType(key, "an array of int-sized integers", list);
            out[i] = (int) (long) l;
        }
        return out;
    }

    private Object require(String key) {
        Object v = metadata.get(key);
        if (v == null) throw new ModelFormatException(path, "missing metadata key '" + key + "'");
        return v;
    }

    private <T> T as(String key, Class<T> type, String expected) {
        Object v = require(key);
        if (!type.isInstance(v)) throw wrongType(key, expected, v);
        return type.cast(v);
    }

    private ModelFormatException wrongType(String key, String expected, Object found) {
        String onDisk = types.containsKey(key) ? types.get(key).name() : "?";
        if (types.get(key) == GgufValueType.ARRAY) onDisk += " of " + arrayTypes.get(key);
        return new ModelFormatException(path, "metadata '" + key + "' should be " + expected + " but is " + onDisk + " " + describe(found));
    }

    private static String describe(Object v) {
        if (v instanceof List<?> l) return "(" + l.size() + " elements)";
        if (v instanceof String s) return "\"" + (s.length() > 60 ? s.substring(0, 60) + "..." : s) + "\"";
        return String.valueOf(v);
    }

    /** Unmaps the file; tensor data obtained from this file must not be used afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return "GGUF v" + version + " " + path + " (" + metadata.size() + " keys, " + tensors.size() + " tensors)";
    }
}
