package io.sirocco.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.format.ModelFormatException;
import io.sirocco.image.ImageConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Mistral's Tekken tokenizer (tiktoken semantics, mistral-common's {@code Tekkenizer}) loaded from {@code tekken.json}.
 *
 * <p>Ids 0 … {@code numSpecial − 1} are control tokens; id = rank + {@code numSpecial} for the byte-level BPE vocabulary,
 * which is cut to {@code default_vocab_size − default_num_special_tokens} ranks. Text is split with the file's pattern,
 * each piece is either one vocabulary entry or byte-level BPE by rank.
 */
public final class TekkenTokenizer extends AbstractTokenizer {

    /** mistral-common's {@code DEPRECATED_SPECIAL_TOKENS}: the specials of files (≤ v7) that carry no list. */
    static final List<String> DEFAULT_SPECIALS = List.of(
            "<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
            "[TOOL_RESULTS]", "[/TOOL_RESULTS]", "[TOOL_CALLS]", "[IMG]", "<pad>", "[IMG_BREAK]", "[IMG_END]",
            "[PREFIX]", "[MIDDLE]", "[SUFFIX]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", "[TOOL_CONTENT]");

    private static final int CACHE_MAX_ENTRIES = 1 << 16;
    private static final int CACHE_MAX_PIECE = 64;

    private final Path file;
    private final String version;
    private final String pattern;
    private final RegexSplitter splitter;
    private final byte[][] rankBytes;         // rank → bytes
    private final ByteSliceTable ranks;       // bytes → rank
    private final String[] specials;          // id → name
    private final Map<String, Integer> specialIds;
    private final ImageConfig image;          // null when the file has none
    private final JsonNode modelSettingsBuilder; // null when the file has none
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    private TekkenTokenizer(Path file, String version, String pattern, byte[][] rankBytes, String[] specials,
                            ImageConfig image, JsonNode modelSettingsBuilder) {
        this.file = file;
        this.version = version;
        this.pattern = pattern;
        this.splitter = new RegexSplitter(pattern);
        this.rankBytes = rankBytes;
        int[] rankIds = new int[rankBytes.length];
        for (int i = 0; i < rankIds.length; i++) rankIds[i] = i;
        this.ranks = new ByteSliceTable(rankBytes, rankIds);
        this.specials = specials;
        this.specialIds = new HashMap<>();
        for (int i = 0; i < specials.length; i++) specialIds.putIfAbsent(specials[i], i);
        this.image = image;
        this.modelSettingsBuilder = modelSettingsBuilder;
    }

    /** Loads a {@code tekken.json}; a malformed file gives a {@link ModelFormatException} naming it and the problem. */
    public static TekkenTokenizer load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(file, in);
        } catch (IOException e) {
            throw new ModelFormatException(file, "cannot read tekken.json: " + e.getMessage(), e);
        }
    }

    private static TekkenTokenizer parse(Path file, InputStream in) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        JsonNode config = null, specialList = null, image = null, multimodal = null, settings = null;
        List<byte[]> vocab = new ArrayList<>();
        try (JsonParser p = new JsonFactory(mapper).createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new ModelFormatException(file, "not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "vocab" -> readVocab(file, p, vocab);
                    case "config" -> config = p.readValueAsTree();
                    case "special_tokens" -> specialList = p.readValueAsTree();
                    case "image" -> image = p.readValueAsTree();
                    case "multimodal" -> multimodal = p.readValueAsTree();
                    case "model_settings_builder" -> settings = p.readValueAsTree();
                    default -> p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ModelFormatException(file, "invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (config == null || !config.isObject()) throw new ModelFormatException(file, "missing \"config\" object");
        String version = text(file, config, "version", false);
        String pattern = text(file, config, "pattern", true);
        int vocabSize = integer(file, config, "default_vocab_size");
        int numSpecial = integer(file, config, "default_num_special_tokens");
        int inner = vocabSize - numSpecial;
        if (numSpecial <= 0 || inner < 256)
            throw new ModelFormatException(file, "config: default_vocab_size " + vocabSize
                    + " − default_num_special_tokens " + numSpecial + " leaves fewer than the 256 byte tokens");
        if (vocab.size() < inner)
            throw new ModelFormatException(file, "\"vocab\" has " + vocab.size() + " entries, default_vocab_size − "
                    + "default_num_special_tokens needs " + inner);
        byte[][] rankBytes = vocab.subList(0, inner).toArray(new byte[0][]);
        for (int b = 0; b < 256; b++)
            if (rankBytes[b].length != 1 || (rankBytes[b][0] & 0xff) != b)
                throw new ModelFormatException(file, "vocab rank " + b + " must be the single byte " + b);

        String[] specials = specials(file, specialList, numSpecial, version);
        ImageConfig imageConfig = null;
        JsonNode imageNode = image != null && !image.isNull() ? image : multimodal;
        if (imageNode != null && !imageNode.isNull()) {
            try {
                imageConfig = new ImageConfig(integer(file, imageNode, "image_patch_size"),
                        integer(file, imageNode, "max_image_size"), integer(file, imageNode, "spatial_merge_size"));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, "image: " + e.getMessage(), e);
            }
        }
        try {
            return new TekkenTokenizer(file, version, pattern, rankBytes, specials, imageConfig,
                    settings == null || settings.isNull() ? null : settings);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "config.pattern: " + e.getMessage(), e);
        }
    }

    private static void readVocab(Path file, JsonParser p, List<byte[]> out) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) throw new ModelFormatException(file, "\"vocab\" is not a list");
        while (p.nextToken() == JsonToken.START_OBJECT) {
            int rank = -1;
            byte[] bytes = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("rank") && t == JsonToken.VALUE_NUMBER_INT) rank = p.getIntValue();
                else if (name.equals("token_bytes") && t == JsonToken.VALUE_STRING) {
                    try {
                        bytes = p.getBinaryValue(); // base64, decoded from the parser's buffer without a String
                    } catch (com.fasterxml.jackson.core.JsonParseException | IllegalArgumentException e) {
                        throw new ModelFormatException(file, "vocab entry " + out.size() + ": token_bytes is not base64");
                    }
                } else p.skipChildren();
            }
            if (rank != out.size())
                throw new ModelFormatException(file, "vocab entry " + out.size() + " has rank " + rank + " (ranks must be 0, 1, 2, … in order)");
            if (bytes == null || bytes.length == 0)
                throw new ModelFormatException(file, "vocab entry " + out.size() + " has no token_bytes");
            out.add(bytes);
        }
        if (p.currentToken() != JsonToken.END_ARRAY)
            throw new ModelFormatException(file, "vocab entry " + out.size() + " is not an object");
    }

    private static String[] specials(Path file, JsonNode list, int numSpecial, String version) {
        List<String> names = new ArrayList<>();
        if (list == null || list.isNull()) {
            // mistral-common refuses files newer than v7 without the list; older ones get its built-in 20.
            if (version != null && versionNumber(version) > 7)
                throw new ModelFormatException(file, "no \"special_tokens\" list, required for tokenizer version " + version);
            names.addAll(DEFAULT_SPECIALS);
        } else {
            if (!list.isArray()) throw new ModelFormatException(file, "\"special_tokens\" is not a list");
            for (JsonNode s : list) {
                JsonNode rank = s.get("rank"), str = s.get("token_str");
                if (rank == null || !rank.isInt() || rank.asInt() != names.size() || str == null || !str.isTextual())
                    throw new ModelFormatException(file, "special_tokens[" + names.size() + "] must have rank "
                            + names.size() + " and a token_str");
                names.add(str.asText());
            }
        }
        if (names.size() > numSpecial)
            throw new ModelFormatException(file, names.size() + " special tokens but default_num_special_tokens is " + numSpecial);
        for (int i = names.size(); i < numSpecial; i++) names.add("<SPECIAL_" + i + ">");
        if (names.stream().distinct().count() != names.size())
            throw new ModelFormatException(file, "special token names are not unique");
        return names.toArray(new String[0]);
    }

    private static int versionNumber(String version) {
        try {
            return Integer.parseInt(version.startsWith("v") ? version.substring(1) : version);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    private static String text(Path file, JsonNode node, String key, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) throw new ModelFormatException(file, "missing config." + key);
            return null;
        }
        if (!v.isTextual()) throw new ModelFormatException(file, key + " is not a string");
        return v.asText();
    }

    private static int integer(Path file, JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber())
            throw new ModelFormatException(file, "missing or non-integer \"" + key + "\"");
        return v.asInt();
    }

    // ---- accessors ----

    /** The file this tokenizer was loaded from. */
    public Path file() {
        return file;
    }

    /** tekken.json {@code config.pattern}. */
    public String pattern() {
        return pattern;
    }

    public int numSpecialTokens() {
        return specials.length;
    }

    /** The {@code image} (or legacy {@code multimodal}) section. */
    public Optional<ImageConfig> imageConfig() {
        return Optional.ofNullable(image);
    }

    /** The raw {@code model_settings_builder} section (tokenizer v15+, e.g. reasoning effort). */
    public Optional<JsonNode> modelSettingsBuilder() {
        return Optional.ofNullable(modelSettingsBuilder);
    }

    @Override
    public Optional<String> version() {
        return Optional.ofNullable(version);
    }

    @Override
    public int vocabSize() {
        return specials.length + rankBytes.length;
    }

    @Override
    public int bosId() {
        return specialIdOrThrow("<s>");
    }

    @Override
    public int eosId() {
        return specialIdOrThrow("</s>");
    }

    private int specialIdOrThrow(String name) {
        Integer id = specialIds.get(name);
        if (id == null) throw new IllegalStateException(file + ": no special token " + name);
        return id;
    }

    @Override
    public OptionalInt specialId(String name) {
        Integer id = specialIds.get(name);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public boolean isSpecial(int id) {
        return id >= 0 && id < specials.length;
    }

    @Override
    public byte[] tokenBytes(int id) {
        checkId(id);
        return id < specials.length ? specials[id].getBytes(StandardCharsets.UTF_8) : rankBytes[id - specials.length].clone();
    }

    /**
     * tiktoken (via mistral-common) turns unpaired UTF-16 surrogates into U+FFFD before splitting; Java's UTF-8 encoder
     * would write '?' instead.
     */
    static String replaceLoneSurrogates(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                if (sb != null) sb.append(c).append(s.charAt(i + 1));
                i++;
            } else if (Character.isSurrogate(c)) {
                if (sb == null) sb = new StringBuilder(s.length()).append(s, 0, i);
                sb.append('\uFFFD');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    // ---- encoding ----

    @Override
    public int[] encode(String text) {
        text = replaceLoneSurrogates(text);
        IntBuffer out = new IntBuffer(text.length() / 3 + 4);
        for (String piece : splitter.split(text)) {
            int[] cached = piece.length() <= CACHE_MAX_PIECE ? cache.get(piece) : null;
            if (cached == null) {
                cached = encodePiece(piece.getBytes(StandardCharsets.UTF_8));
                if (piece.length() <= CACHE_MAX_PIECE) {
                    if (cache.size() >= CACHE_MAX_ENTRIES) cache.clear();
                    cache.put(piece, cached);
                }
            }
            out.addAll(cached);
        }
        return out.toArray();
    }

    private int[] encodePiece(byte[] bytes) {
        int offset = specials.length;
        int whole = ranks.find(bytes, 0, bytes.length);
        if (whole >= 0) return new int[] {whole + offset};
        int n = bytes.length;
        int[] bounds = new int[n + 1], ids = new int[n];
        for (int i = 0; i < n; i++) {
            bounds[i] = i;
            ids[i] = bytes[i] & 0xff; // rank of byte b is b
        }
        bounds[n] = n;
        // tiktoken: the pair whose concatenation has the lowest rank merges first.
        BpeMerger.Symbols s = BpeMerger.merge(bytes, bounds, ids, (text, start, mid, end, l, r) -> {
            int rank = ranks.find(text, start, end);
            return rank < 0 ? -1 : ((long) rank << 32) | rank;
        });
        int[] result = new int[s.count()];
        for (int k = 0; k < result.length; k++) result[k] = s.id()[k] + offset;
        return result;
    }
}
