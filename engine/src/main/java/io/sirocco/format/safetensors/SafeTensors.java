package io.sirocco.format.safetensors;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.format.ModelFormatException;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Safetensors weights, memory-mapped: one {@code .safetensors} file, or a sharded checkpoint through its
 * {@code *.safetensors.index.json} ({@code {"metadata": {...}, "weight_map": {tensor: shard file}}}). Tensor data are
 * slices of the mappings (never copied), valid until {@link #close()}.
 *
 * <p>Every entry is listed in {@link #infos()}, whatever its dtype; {@link #tensors()} holds those with a GGML
 * equivalent (BF16, F16, F32, and the integer/F64 types GGML names but has no kernels for). FP8, unsigned and
 * packed types stay in {@link #infos()} only, so a loader can name them in its error.
 */
public final class SafeTensors implements AutoCloseable {
    private final Arena arena;
    private final List<Path> files;
    private final Map<String, String> metadata;
    private final List<SafeTensorInfo> infos;
    private final Map<String, SafeTensorInfo> infoByName;
    private final Map<Path, MemorySegment> mappings;

    private SafeTensors(Arena arena, List<Path> files, Map<String, String> metadata, List<SafeTensorInfo> infos,
                        Map<Path, MemorySegment> mappings) {
        this.arena = arena;
        this.files = List.copyOf(files);
        this.metadata = Collections.unmodifiableMap(metadata);
        this.infos = List.copyOf(infos);
        Map<String, SafeTensorInfo> byName = new LinkedHashMap<>();
        for (SafeTensorInfo i : infos) byName.put(i.name(), i);
        this.infoByName = byName;
        this.mappings = mappings;
    }

    /** Opens a {@code .safetensors} file, or every shard of a {@code .json} index. */
    public static SafeTensors open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            boolean index = path.getFileName() != null && path.getFileName().toString().endsWith(".json");
            return index ? openIndex(path, arena) : openSingle(path, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static SafeTensors openSingle(Path path, Arena arena) {
        MemorySegment mapping = map(path, arena);
        SafeTensorsHeader h = SafeTensorsHeader.parse(path, mapping);
        return new SafeTensors(arena, List.of(path), h.metadata, h.infos, Map.of(path, mapping));
    }

    private static SafeTensors openIndex(Path index, Arena arena) {
        JsonNode root;
        try {
            if (Files.size(index) > SafeTensorsHeader.MAX_HEADER_BYTES)
                throw new ModelFormatException(index, "index file is larger than " + SafeTensorsHeader.MAX_HEADER_BYTES + " bytes");
            root = SafeTensorsHeader.JSON.readTree(Files.readAllBytes(index));
        } catch (JacksonException e) {
            throw new ModelFormatException(index, "malformed index JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(index, "cannot read: " + e, e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(index, "the index is not a JSON object");
        JsonNode weightMap = root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) throw new ModelFormatException(index, "missing weight_map object");

        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode indexMeta = root.get("metadata");
        if (indexMeta != null && indexMeta.isObject())
            for (var m : indexMeta.properties()) metadata.put(m.getKey(), m.getValue().isTextual() ? m.getValue().textValue() : m.getValue().toString());

        Path dir = index.toAbsolutePath().getParent();
        Map<String, Path> shardOf = new LinkedHashMap<>();
        Set<Path> shards = new LinkedHashSet<>();
        for (var e : weightMap.properties()) {
            if (!e.getValue().isTextual()) throw new ModelFormatException(index, "weight_map entry '" + e.getKey() + "' is not a file name");
            Path shard = dir.resolve(e.getValue().textValue()).normalize();
            if (!shard.startsWith(dir) || e.getValue().textValue().isEmpty())
                throw new ModelFormatException(index, "weight_map entry '" + e.getKey() + "' names a file outside the index's folder: " + e.getValue().textValue());
            shardOf.put(e.getKey(), shard);
            shards.add(shard);
        }

        Map<Path, MemorySegment> mappings = new LinkedHashMap<>();
        Map<String, SafeTensorInfo> all = new LinkedHashMap<>();
        for (Path shard : shards) {
            if (!Files.isRegularFile(shard)) throw new ModelFormatException(index, "shard " + dir.relativize(shard) + " named in weight_map does not exist");
            MemorySegment mapping = map(shard, arena);
            mappings.put(shard, mapping);
            SafeTensorsHeader h = SafeTensorsHeader.parse(shard, mapping);
            h.metadata.forEach(metadata::putIfAbsent);
            for (SafeTensorInfo info : h.infos) {
                SafeTensorInfo other = all.putIfAbsent(info.name(), info);
                if (other != null)
                    throw new ModelFormatException(index, "tensor '" + info.name() + "' is in two shards: " + other.file().getFileName() + " and " + shard.getFileName());
            }
        }
        for (var e : shardOf.entrySet()) {
            SafeTensorInfo info = all.get(e.getKey());
            if (info == null || !info.file().equals(e.getValue()))
                throw new ModelFormatException(index, "tensor '" + e.getKey() + "' is not in its shard " + e.getValue().getFileName());
        }
        // weight_map order first, then any shard tensors the map does not list (kept: they are in the checkpoint).
        List<SafeTensorInfo> infos = new ArrayList<>();
        for (String name : shardOf.keySet()) infos.add(all.remove(name));
        infos.addAll(all.values());
        return new SafeTensors(arena, List.copyOf(shards), metadata, infos, mappings);
    }

    private static MemorySegment map(Path file, Arena arena) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            io.sirocco.tensor.HugePages.adviseHuge(mapping);
            return mapping;
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read: " + e, e);
        }
    }

    /** The files mapped (one, or the shards). */
    public List<Path> files() {
        return files;
    }

    /**
     * The {@code __metadata__} map; for a sharded checkpoint the index's {@code metadata} (values as JSON text) and
     * then the shards' {@code __metadata__} keys not already present.
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every header entry, whatever its dtype (file order; for an index, weight_map order). */
    public List<SafeTensorInfo> infos() {
        return infos;
    }

    public Optional<SafeTensorInfo> info(String name) {
        return Optional.ofNullable(infoByName.get(name));
    }

    /** Entries whose dtype has a GGML equivalent, as tensor views on the mapping. */
    public List<Tensor> tensors() {
        List<Tensor> out = new ArrayList<>();
        for (SafeTensorInfo i : infos) if (i.ggmlType().isPresent()) out.add(view(i));
        return out;
    }

    /** The tensor, or empty if absent; a tensor whose dtype has no GGML equivalent is a {@link ModelFormatException}. */
    public Optional<Tensor> tensor(String name) {
        SafeTensorInfo i = infoByName.get(name);
        if (i == null) return Optional.empty();
        if (i.ggmlType().isEmpty())
            throw new ModelFormatException(i.file(), "tensor '" + name + "' has dtype " + i.dtype() + ", which Sirocco cannot use (convert the checkpoint to BF16, F16 or F32)");
        return Optional.of(view(i));
    }

    private Tensor view(SafeTensorInfo i) {
        GgmlType type = i.ggmlType().orElseThrow();
        return new Tensor(i.name(), type, i.shape(), mappings.get(i.file()).asSlice(i.offset(), i.byteSize()));
    }

    /** Unmaps every file; tensor data obtained from this object must not be used afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return "safetensors " + files + " (" + infos.size() + " tensors)";
    }
}
