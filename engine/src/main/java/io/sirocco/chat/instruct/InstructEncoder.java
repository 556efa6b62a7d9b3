package io.sirocco.chat.instruct;

import static io.sirocco.chat.TokenizerVersion.V11;
import static io.sirocco.chat.TokenizerVersion.V13;
import static io.sirocco.chat.TokenizerVersion.V15;
import static io.sirocco.chat.TokenizerVersion.V3;
import static io.sirocco.chat.TokenizerVersion.V7;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.chat.ChatException;
import io.sirocco.chat.ChatException.Kind;
import io.sirocco.chat.ChatException.Stage;
import io.sirocco.chat.ChatRequest;
import io.sirocco.chat.Chunk;
import io.sirocco.chat.Content;
import io.sirocco.chat.Message;
import io.sirocco.chat.PythonJson;
import io.sirocco.chat.Tool;
import io.sirocco.chat.ToolCall;
import io.sirocco.chat.TokenizerVersion;
import io.sirocco.image.ImageConfig;
import io.sirocco.image.ImageGrid;
import io.sirocco.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Chat request → prompt tokens, exactly as mistral-common's {@code InstructTokenizerV3/V7/V11/V13/V15} (spec §4.3–4.5):
 * validate, normalise, then encode each message, every text piece separately (BPE never merges across a special
 * token), control tokens only by id.
 *
 * <pre>{@code
 * EncodedPrompt p = InstructEncoder.forTokenizer(tokenizer).encode(ChatRequests.fromOpenAi(json));
 * }</pre>
 */
public final class InstructEncoder {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Tokenizer tokenizer;
    private final TokenizerVersion version;
    private final ValidationMode mode;
    private final ImageConfig imageConfig;
    private final ImageResolver images;
    private final ModelSettingsBuilder settingsBuilder;
    private final SpecialIds ids;

    private InstructEncoder(Builder b) {
        this.tokenizer = b.tokenizer;
        this.version = b.version != null ? b.version
                : TokenizerVersion.parse(b.tokenizer.version().orElseThrow(() -> new IllegalArgumentException(
                        "the tokenizer carries no instruct version: set one with InstructEncoder.Builder.version()")));
        this.mode = b.mode;
        this.imageConfig = b.imageConfig;
        this.images = b.images;
        this.settingsBuilder = b.settingsBuilder != null || version != V15 ? b.settingsBuilder : ModelSettingsBuilder.SMALL_4;
        this.ids = SpecialIds.of(tokenizer, version);
    }

    /** Version from the tokenizer, test-mode validation, Small 3.x image settings, data-URL images. */
    public static InstructEncoder forTokenizer(Tokenizer tokenizer) {
        return builder(tokenizer).build();
    }

    public static InstructEncoder forVersion(TokenizerVersion version, Tokenizer tokenizer) {
        return builder(tokenizer).version(version).build();
    }

    public static Builder builder(Tokenizer tokenizer) {
        return new Builder(tokenizer);
    }

    public TokenizerVersion version() {
        return version;
    }

    /** Validates, normalises and encodes. Rejections are {@link ChatException}s naming the stage and the rule. */
    public EncodedPrompt encode(ChatRequest request) {
        new RequestValidator(version, mode).validate(request);
        InstructRequest normalized = new RequestNormalizer(version, settingsBuilder).normalize(request);
        return encode(normalized);
    }

    /** Encodes an already normalised request. */
    public EncodedPrompt encode(InstructRequest request) {
        Output out = new Output();
        out.add(tokenizer.bosId());
        List<Message> messages = request.messages();
        int firstUser = -1, lastUser = -1;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) instanceof Message.User) {
                if (firstUser < 0) firstUser = i;
                lastUser = i;
            }
        }
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            boolean last = i == messages.size() - 1;
            if (request.continueFinalMessage() && last && !(m instanceof Message.Assistant))
                throw encodeError(Kind.INVALID_MESSAGE_STRUCTURE, "Cannot continue final message if it is not an assistant message");
            switch (m) {
                case Message.User u -> {
                    boolean toolsHere = version.atLeast(V13) ? i == firstUser : i == lastUser;
                    encodeUser(u, toolsHere, i == lastUser, request, out);
                }
                case Message.Assistant a -> encodeAssistant(a, request.continueFinalMessage() && last, out);
                case Message.Tool t -> encodeTool(t, out);
                case Message.System s -> encodeSystem(s, out);
            }
        }
        return new EncodedPrompt(out.toArray(), out.slots);
    }

    // ---- user ----

    private void encodeUser(Message.User u, boolean toolsHere, boolean isLastUser, InstructRequest request, Output out) {
        if (toolsHere && request.tools() != null && !request.tools().isEmpty()) {
            out.add(ids.availableTools);
            out.text(PythonJson.dumps(toolsJson(request.tools())));
            out.add(ids.endAvailableTools);
        }
        if (toolsHere && version == V15) encodeSettings(request.settings(), out);
        out.add(ids.inst);
        String systemPrompt = version == V3 && isLastUser ? request.systemPrompt() : null;
        if (u.content() instanceof Content.Str s) {
            out.text(systemPrompt != null && !systemPrompt.isEmpty() ? systemPrompt + "\n\n" + s.text() : s.text());
        } else {
            List<Chunk> chunks = imageFirst(u.content().asChunks());
            if (systemPrompt != null && !systemPrompt.isEmpty()) out.text(systemPrompt + "\n\n");
            for (Chunk c : chunks) chunk(c, out);
        }
        out.add(ids.endInst);
    }

    /** {@code [text…, image]} → {@code [image, text…]} (mistral-common's {@code _maybe_put_image_first}). */
    private static List<Chunk> imageFirst(List<Chunk> chunks) {
        int n = chunks.size();
        if (n < 2 || !(chunks.get(n - 1) instanceof Chunk.Image)) return chunks;
        for (int i = 0; i < n - 1; i++) if (!(chunks.get(i) instanceof Chunk.Text)) return chunks;
        List<Chunk> out = new ArrayList<>(n);
        out.add(chunks.get(n - 1));
        out.addAll(chunks.subList(0, n - 1));
        return out;
    }

    private static ArrayNode toolsJson(List<Tool> tools) {
        ArrayNode arr = JSON.arrayNode();
        for (Tool t : tools) {
            ObjectNode f = JSON.objectNode();
            f.put("name", t.name());
            f.put("description", t.description());
            f.set("parameters", t.parameters());
            ObjectNode o = JSON.objectNode();
            o.put("type", "function");
            o.set("function", f);
            arr.add(o);
        }
        return arr;
    }

    private void encodeSettings(ModelSettings settings, Output out) {
        if (settingsBuilder == null)
            throw encodeError(Kind.TOKENIZER, "Tokenizer v15 needs a `model_settings_builder`.");
        if (settings.isNone()) return;
        ObjectNode o = JSON.objectNode();
        o.put("reasoning_effort", settings.reasoningEffort().wire());
        out.add(ids.modelSettings);
        out.text(PythonJson.dumpsSorted(o));
        out.add(ids.endModelSettings);
    }

    // ---- assistant ----

    private void encodeAssistant(Message.Assistant a, boolean continueMessage, Output out) {
        if (!a.hasContent() && !a.hasToolCalls()) {
            if (version == V3) throw encodeError(Kind.TOKENIZER, "Invalid assistant message: " + pyRepr(a.content()));
            throw encodeError(Kind.TOKENIZER, "Invalid assistant message: role='assistant' content=" + pyRepr(a.content())
                    + " tool_calls=None prefix=" + (a.prefix() ? "True" : "False"));
        }
        if (continueMessage && a.prefix())
            throw encodeError(Kind.INVALID_ASSISTANT_MESSAGE, "`continue_message` is only supported for assistant messages that have `prefix=False`.");
        if (version == V3 && a.hasContent() && a.hasToolCalls())
            throw encodeError(Kind.TOKENIZER, "Cannot have tool calls and content defined in the same assistant message");
        if (a.hasContent()) {
            if (a.content() instanceof Content.Str s) out.text(stripTrailingSpaces(s.text()));
            else for (Chunk c : a.content().asChunks()) chunk(c, out);
        }
        if (a.hasToolCalls()) encodeToolCalls(a.toolCalls(), out);
        if (!a.prefix() && !continueMessage) out.add(tokenizer.eosId());
    }

    /** Python's {@code rstrip(" ")}: spaces only, not other white space. */
    private static String stripTrailingSpaces(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') end--;
        return s.substring(0, end);
    }

    private void encodeToolCalls(List<ToolCall> calls, Output out) {
        if (!version.atLeast(V11)) {
            // v3/v7: one [TOOL_CALLS] and a JSON list of {"name", "arguments", "id"?}.
            ArrayNode list = JSON.arrayNode();
            for (ToolCall c : calls) {
                ObjectNode o = JSON.objectNode();
                o.put("name", c.name());
                o.set("arguments", parsedArguments(c));
                if (c.hasId()) o.put("id", c.id());
                list.add(o);
            }
            out.add(ids.toolCalls);
            out.text(PythonJson.dumps(list));
            return;
        }
        for (ToolCall c : calls) {
            if (version.atLeast(V13) && !c.hasId())
                throw encodeError(Kind.INVALID_FUNCTION_CALL, "Tool call id has to be defined for tokenizer >= v13 (call to " + c.name() + ")");
            out.add(ids.toolCalls);
            out.text(c.name());
            if (version == V11 && c.hasId()) {
                out.add(ids.callId);
                out.text(c.id());
            }
            out.add(ids.args);
            out.text(PythonJson.dumps(parsedArguments(c)));
        }
    }

    /** The arguments as a JSON value; text that is not JSON becomes a JSON string (mistral-common's fallback). */
    private static JsonNode parsedArguments(ToolCall c) {
        return PythonJson.loads(c.arguments()).orElseGet(() -> JSON.textNode(c.arguments()));
    }

    // ---- tool results ----

    private void encodeTool(Message.Tool t, Output out) {
        if (version == V3) {
            String text = ((Content.Str) t.content()).text();
            ObjectNode o = JSON.objectNode();
            o.set("content", PythonJson.loads(text).orElseGet(() -> JSON.textNode(text)));
            o.put("call_id", Objects.requireNonNull(t.toolCallId()));
            out.add(ids.toolResults);
            out.text(PythonJson.dumps(o));
            out.add(ids.endToolResults);
        } else if (!version.atLeast(V13)) {
            out.add(ids.toolResults);
            out.text(t.toolCallId());
            out.add(ids.toolContent);
            out.text(((Content.Str) t.content()).text());
            out.add(ids.endToolResults);
        } else {
            out.add(ids.toolResults);
            if (t.content() instanceof Content.Str s) out.text(s.text());
            else for (Chunk c : t.content().asChunks()) chunk(c, out);
            out.add(ids.endToolResults);
        }
    }

    // ---- system (v7+) ----

    private void encodeSystem(Message.System s, Output out) {
        if (version == V15 && s.content().asChunks().stream().anyMatch(c -> c instanceof Chunk.Think))
            throw encodeError(Kind.TOKENIZER, "ThinkChunk in system message is not supported for this model");
        out.add(ids.systemPrompt);
        for (Chunk c : s.content().asChunks()) {
            if (c instanceof Chunk.Image) throw encodeError(Kind.INVALID_SYSTEM_PROMPT, "System messages cannot contain images");
            chunk(c, out);
        }
        out.add(ids.endSystemPrompt);
    }

    // ---- chunks ----

    private void chunk(Chunk c, Output out) {
        switch (c) {
            case Chunk.Text t -> out.text(t.text());
            case Chunk.Think th -> {
                if (!version.atLeast(V13)) throw encodeError(Kind.TOKENIZER, "Think not implemented for tokenizer < V13.");
                if (ids.think < 0 || ids.endThink < 0)
                    throw encodeError(Kind.TOKENIZER, "think tokens are not available for this tokenizer.");
                out.add(ids.think);
                out.text(th.thinking());
                if (th.closed()) out.add(ids.endThink);
            }
            case Chunk.Image img -> image(img, out);
        }
    }

    private void image(Chunk.Image chunk, Output out) {
        if (imageConfig == null) throw encodeError(Kind.TOKENIZER, "this model has no image encoder (no image config)");
        ResolvedImage img;
        try {
            img = images.resolve(chunk);
        } catch (IllegalArgumentException e) {
            throw new ChatException(Stage.ENCODE, Kind.INVALID_USER_MESSAGE, "cannot read image: " + e.getMessage());
        }
        int w = img.width(), h = img.height();
        double ratio = Math.max(h / (double) imageConfig.maxImageSize(), w / (double) imageConfig.maxImageSize());
        if (ratio > 1 && (Math.rint(w / ratio) < 1 || Math.rint(h / ratio) < 1))
            // mistral-common asserts here: a side that scales to 0 pixels has no token row/column.
            throw encodeError(Kind.TOKENIZER, "image of " + w + "x" + h + " is too elongated: after scaling to at most "
                    + imageConfig.maxImageSize() + " px a side it has no pixels left along one axis");
        ImageGrid grid = ImageGrid.of(w, h, imageConfig);
        out.slots.add(new EncodedPrompt.ImageSlot(out.slots.size(), out.size, grid, img, chunk));
        for (int row = 0; row < grid.heightTokens(); row++) {
            for (int col = 0; col < grid.widthTokens(); col++) out.add(ids.img);
            out.add(row == grid.heightTokens() - 1 ? ids.imgEnd : ids.imgBreak);
        }
    }

    private static String pyRepr(Content c) {
        if (c == null) return "None";
        if (c instanceof Content.Str s) return "'" + s.text().replace("\\", "\\\\").replace("'", "\\'") + "'";
        return c.asChunks().toString();
    }

    private static ChatException encodeError(Kind kind, String reason) {
        return new ChatException(Stage.ENCODE, kind, reason);
    }

    /** Growing token buffer; every text piece is encoded on its own. */
    private final class Output {
        int[] buf = new int[256];
        int size;
        final List<EncodedPrompt.ImageSlot> slots = new ArrayList<>();

        void add(int id) {
            if (size == buf.length) buf = java.util.Arrays.copyOf(buf, size * 2);
            buf[size++] = id;
        }

        void text(String s) {
            if (s.isEmpty()) return;
            for (int id : tokenizer.encode(s)) add(id);
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(buf, size);
        }
    }

    /** Control token ids by name; optional ones are -1. */
    private record SpecialIds(int inst, int endInst, int availableTools, int endAvailableTools, int toolResults,
                              int endToolResults, int toolCalls, int img, int imgBreak, int imgEnd, int systemPrompt,
                              int endSystemPrompt, int toolContent, int args, int callId, int think, int endThink,
                              int modelSettings, int endModelSettings) {

        static SpecialIds of(Tokenizer t, TokenizerVersion v) {
            return new SpecialIds(req(t, "[INST]"), req(t, "[/INST]"), req(t, "[AVAILABLE_TOOLS]"),
                    req(t, "[/AVAILABLE_TOOLS]"), req(t, "[TOOL_RESULTS]"), req(t, "[/TOOL_RESULTS]"),
                    req(t, "[TOOL_CALLS]"), opt(t, "[IMG]"), opt(t, "[IMG_BREAK]"), opt(t, "[IMG_END]"),
                    v.atLeast(V7) ? req(t, "[SYSTEM_PROMPT]") : -1, v.atLeast(V7) ? req(t, "[/SYSTEM_PROMPT]") : -1,
                    v.atLeast(V7) ? req(t, "[TOOL_CONTENT]") : -1, v.atLeast(V11) ? req(t, "[ARGS]") : -1,
                    v.atLeast(V11) ? req(t, "[CALL_ID]") : -1, opt(t, "[THINK]"), opt(t, "[/THINK]"),
                    v == V15 ? req(t, "[MODEL_SETTINGS]") : -1, v == V15 ? req(t, "[/MODEL_SETTINGS]") : -1);
        }

        private static int req(Tokenizer t, String name) {
            return t.specialId(name).orElseThrow(() -> new IllegalArgumentException(
                    "the tokenizer has no " + name + " token, which this instruct version needs"));
        }

        private static int opt(Tokenizer t, String name) {
            return t.specialId(name).orElse(-1);
        }
    }

    public static final class Builder {
        private final Tokenizer tokenizer;
        private TokenizerVersion version;
        private ValidationMode mode = ValidationMode.TEST;
        private ImageConfig imageConfig = ImageConfig.MISTRAL_SMALL_3;
        private ImageResolver images = new DataUrlImageResolver();
        private ModelSettingsBuilder settingsBuilder;

        private Builder(Tokenizer tokenizer) {
            this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        }

        /** Overrides the tokenizer's own version. */
        public Builder version(TokenizerVersion v) {
            this.version = v;
            return this;
        }

        public Builder mode(ValidationMode m) {
            this.mode = Objects.requireNonNull(m);
            return this;
        }

        /** The model's image settings; null for a text-only model. */
        public Builder imageConfig(ImageConfig c) {
            this.imageConfig = c;
            return this;
        }

        public Builder imageResolver(ImageResolver r) {
            this.images = Objects.requireNonNull(r);
            return this;
        }

        /** v15 settings (tekken.json {@code model_settings_builder}); defaults to {@link ModelSettingsBuilder#SMALL_4}. */
        public Builder modelSettings(ModelSettingsBuilder b) {
            this.settingsBuilder = b;
            return this;
        }

        public InstructEncoder build() {
            return new InstructEncoder(this);
        }
    }
}
