package io.sirocco.format.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Writes a safetensors file (tensors in the order added, header padded with spaces to 8 bytes), and shard indexes. */
public final class SafeTensorsWriter {
    private record Entry(String name, SafeTensorsDType dtype, long[] shape, MemorySegment data) {}

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    public SafeTensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** A tensor of a GGML type with a safetensors equivalent (F32, F16, BF16, ...). */
    public SafeTensorsWriter add(Tensor t) {
        return add(t.name(), dtypeOf(t.type()), t.shape(), t.data());
    }

    public SafeTensorsWriter add(String name, SafeTensorsDType dtype, long[] shape, byte[] data) {
        return add(name, dtype, shape, MemorySegment.ofArray(data));
    }

    public SafeTensorsWriter add(String name, SafeTensorsDType dtype, long[] shape, MemorySegment data) {
        if (name.equals("__metadata__") || names.contains(name)) throw new IllegalArgumentException("duplicate or reserved tensor name '" + name + "'");
        long elements = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            elements = Math.multiplyExact(elements, d);
        }
        long bits = Math.multiplyExact(elements, (long) dtype.bits);
        if (bits % 8 != 0 || data.byteSize() != bits / 8)
            throw new IllegalArgumentException(name + ": " + dtype + " " + Arrays.toString(shape) + " needs " + bits + " bits, got " + data.byteSize() + " bytes");
        names.add(name);
        entries.add(new Entry(name, dtype, shape.clone(), data));
        return this;
    }

    public void write(Path path) {
        ObjectNode header = SafeTensorsHeader.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + e.data.byteSize());
            offset += e.data.byteSize();
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
            for (Entry e : entries)
                for (long at = 0; at < e.data.byteSize(); at += 1 << 30) {
                    ByteBuffer b = e.data.asSlice(at, Math.min(1 << 30, e.data.byteSize() - at)).asByteBuffer();
                    while (b.hasRemaining()) ch.write(b);
                }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }

    /** Writes a Hugging Face style {@code *.safetensors.index.json}: {@code weightMap} maps tensor names to shard file names. */
    public static void writeIndex(Path index, Map<String, String> weightMap, Map<String, Object> metadata) {
        ObjectNode root = SafeTensorsHeader.JSON.createObjectNode();
        root.set("metadata", SafeTensorsHeader.JSON.valueToTree(metadata));
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        try {
            Files.writeString(index, root.toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + index, e);
        }
    }

    static SafeTensorsDType dtypeOf(GgmlType type) {
        for (SafeTensorsDType d : SafeTensorsDType.values())
            if (d.ggmlType().orElse(null) == type) return d;
        throw new IllegalArgumentException(type + " has no safetensors dtype (only unquantized types do)");
    }
}
