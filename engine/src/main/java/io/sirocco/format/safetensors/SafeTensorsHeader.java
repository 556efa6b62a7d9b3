package io.sirocco.format.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sirocco.format.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates one safetensors file: a little-endian uint64 header length N, N bytes of JSON
 * ({@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}}), then the
 * data, with offsets relative to its start.
 */
final class SafeTensorsHeader {
    /** The reference implementation's limit: a larger header is certainly not a real file. */
    static final long MAX_HEADER_BYTES = 100_000_000;

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    final List<SafeTensorInfo> infos;
    final Map<String, String> metadata;

    private SafeTensorsHeader(List<SafeTensorInfo> infos, Map<String, String> metadata) {
        this.infos = infos;
        this.metadata = metadata;
    }

    static SafeTensorsHeader parse(Path file, MemorySegment mapping) {
        long fileSize = mapping.byteSize();
        if (fileSize < 8) throw new ModelFormatException(file, "not a safetensors file: only " + fileSize + " bytes");
        long n = mapping.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (n < 0 || n > fileSize - 8)
            throw new ModelFormatException(file, "header size " + Long.toUnsignedString(n) + " is larger than the file (" + fileSize + " bytes)");
        if (n > MAX_HEADER_BYTES)
            throw new ModelFormatException(file, "header size " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        if (n < 2) throw new ModelFormatException(file, "header size " + n + " is too small for a JSON object");
        byte[] json = mapping.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        if (json[0] != '{') throw new ModelFormatException(file, "not a safetensors file: the header does not start with '{'");
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "malformed header JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new ModelFormatException(file, "unreadable header JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file, "the header is not a JSON object");

        long dataStart = 8 + n;
        long dataSize = fileSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<SafeTensorInfo> infos = new ArrayList<>();
        for (var field : root.properties()) {
            String name = field.getKey();
            JsonNode entry = field.getValue();
            if (name.equals("__metadata__")) {
                if (!entry.isObject()) throw new ModelFormatException(file, "__metadata__ is not a JSON object");
                for (var m : entry.properties()) {
                    if (!m.getValue().isTextual())
                        throw new ModelFormatException(file, "__metadata__ value '" + m.getKey() + "' is not a string");
                    metadata.put(m.getKey(), m.getValue().textValue());
                }
                continue;
            }
            infos.add(entry(file, name, entry, dataStart, dataSize));
        }

        List<SafeTensorInfo> byOffset = new ArrayList<>(infos);
        byOffset.sort(Comparator.comparingLong(SafeTensorInfo::offset).thenComparingLong(SafeTensorInfo::byteSize));
        SafeTensorInfo previous = null;
        for (SafeTensorInfo info : byOffset) {
            if (previous != null && info.offset() < previous.offset() + previous.byteSize())
                throw new ModelFormatException(file, "tensors '" + previous.name() + "' and '" + info.name() + "' overlap");
            previous = info;
        }
        return new SafeTensorsHeader(List.copyOf(infos), metadata);
    }

    private static SafeTensorInfo entry(Path file, String name, JsonNode entry, long dataStart, long dataSize) {
        String what = "tensor '" + name + "'";
        if (!entry.isObject()) throw new ModelFormatException(file, what + ": entry is not a JSON object");
        JsonNode dtypeNode = entry.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw new ModelFormatException(file, what + ": missing or non-string dtype");
        SafeTensorsDType dtype = SafeTensorsDType.parse(dtypeNode.textValue()).orElseThrow(
                () -> new ModelFormatException(file, what + ": unknown dtype '" + dtypeNode.textValue() + "'"));
        JsonNode shapeNode = entry.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) throw new ModelFormatException(file, what + ": missing shape array");
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(file, what + " shape[" + i + "]", shapeNode.get(i));
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException e) {
                throw new ModelFormatException(file, what + ": the product of its shape overflows");
            }
        }
        JsonNode offsets = entry.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2)
            throw new ModelFormatException(file, what + ": data_offsets must be an array [begin, end]");
        long begin = nonNegativeLong(file, what + " data_offsets[0]", offsets.get(0));
        long end = nonNegativeLong(file, what + " data_offsets[1]", offsets.get(1));
        if (begin > end || end > dataSize)
            throw new ModelFormatException(file, what + ": data_offsets [" + begin + ", " + end + "] are out of range (data section has " + dataSize + " bytes)");
        long bits;
        try {
            bits = Math.multiplyExact(elements, (long) dtype.bits);
        } catch (ArithmeticException e) {
            throw new ModelFormatException(file, what + ": its byte size overflows");
        }
        if (bits % 8 != 0 || end - begin != bits / 8)
            throw new ModelFormatException(file, what + ": " + dtype + " " + java.util.Arrays.toString(shape) + " takes "
                    + (bits % 8 == 0 ? bits / 8 + " bytes" : bits + " bits") + " but data_offsets span " + (end - begin) + " bytes");
        return new SafeTensorInfo(name, dtype, shape, file, dataStart + begin, end - begin);
    }

    private static long nonNegativeLong(Path file, String what, JsonNode v) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0)
            throw new ModelFormatException(file, what + " must be a non-negative integer, found " + v);
        return v.longValue();
    }
}
