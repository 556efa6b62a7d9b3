package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.chat.ChatException;
import io.sirocco.chat.ChatRequest;
import io.sirocco.chat.ChatRequests;
import io.sirocco.chat.Chunk;
import io.sirocco.chat.Message;
import io.sirocco.chat.Tool;
import io.sirocco.chat.ToolChoice;
import io.sirocco.chat.TokenizerVersion;
import io.sirocco.chat.instruct.EncodedPrompt;
import io.sirocco.chat.instruct.InstructEncoder;
import io.sirocco.chat.instruct.ValidationMode;
import io.sirocco.chat.output.OutputEvent;
import io.sirocco.chat.output.OutputParser;
import io.sirocco.engine.EngineRequest;
import io.sirocco.engine.PromptEmbeddings;
import io.sirocco.engine.Step;
import io.sirocco.image.ImageConfig;
import io.sirocco.image.ImagePreprocessor;
import io.sirocco.image.PreprocessedImage;
import io.sirocco.sample.LogitsProcessor;
import io.sirocco.tokenizer.SpecialTokenPolicy;
import io.sirocco.tokenizer.TekkenTokenizer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * POST /v1/chat/completions: OpenAI JSON → chat protocol (validation, Mistral instruct encoding, images) → engine →
 * output parser (content, [THINK] reasoning, [TOOL_CALLS]) → one JSON response or vLLM's SSE chunk sequence.
 */
final class ChatApi {
    private final Api api;
    private final InstructEncoder encoder;
    private final ImagePreprocessor preprocessor;
    private final int imgId;

    ChatApi(Api api) {
        this.api = api;
        ImageConfig images = api.imageEmbedder == null ? null
                : api.tokenizer instanceof TekkenTokenizer t ? t.imageConfig().orElse(ImageConfig.MISTRAL_SMALL_3) : ImageConfig.MISTRAL_SMALL_3;
        InstructEncoder.Builder b = InstructEncoder.builder(api.tokenizer).mode(ValidationMode.TEST).imageConfig(images)
                .imageResolver(new ServerImages(api.config));
        if (api.config.chatTemplateVersion() != null) b.version(TokenizerVersion.parse(api.config.chatTemplateVersion()));
        else if (api.tokenizer.version().isEmpty()) b.version(TokenizerVersion.V11);  // GGUF vocabularies carry no version
        this.encoder = b.build();
        this.preprocessor = images == null ? null : new ImagePreprocessor(images);
        this.imgId = api.tokenizer.specialId("[IMG]").orElse(-1);
    }

    /** The request's prompt as the model will see it (for /tokenize's chat form). */
    int[] promptTokens(ObjectNode body) {
        return encode(parse(body)).tokens();
    }

    private ChatRequest parse(ObjectNode body) {
        try {
            return ChatRequests.fromOpenAi(body);
        } catch (ChatException e) {
            throw badChat(e);
        }
    }

    private EncodedPrompt encode(ChatRequest req) {
        int images = 0;
        for (Message m : req.messages())
            if (m.content() != null) for (Chunk c : m.content().asChunks()) if (c instanceof Chunk.Image) images++;
        if (images > api.config.maxImagesPerPrompt())
            throw ApiException.badRequest("messages", "At most " + api.config.maxImagesPerPrompt() + " image(s) may be provided in one prompt, got " + images + ".");
        if (images > 0 && api.imageEmbedder == null) throw ApiException.badRequest("messages", "this model does not accept image input");
        try {
            return encoder.encode(req);
        } catch (ChatException e) {
            throw badChat(e);
        }
    }

    static ApiException badChat(ChatException e) {
        String param = null;
        String msg = e.getMessage();
        if (e.stage() == ChatException.Stage.CONVERT) {
            int colon = e.reason().indexOf(": ");
            if (colon > 0 && e.reason().substring(0, colon).matches("[\\w.\\[\\]]+")) param = e.reason().substring(0, colon);
        } else if (e.messageIndex() >= 0) {
            param = "messages[" + e.messageIndex() + "]";
        }
        return ApiException.badRequest(param, msg);
    }

    /** Per-choice state while the answer streams in. */
    private final class Out {
        final OutputParser parser = new OutputParser(api.tokenizer, Ids::toolCallId);
        final StopFilter stop;
        final StringBuilder content = new StringBuilder();
        final StringBuilder reasoning = new StringBuilder();
        final List<String[]> calls = new ArrayList<>();  // id, name, arguments
        final List<Step> steps = new ArrayList<>();
        final List<Step> unsent = new ArrayList<>();
        boolean stopped;
        String finish;
        Object stopReason;

        Out(SamplingRequest sr) {
            stop = new StopFilter(sr.stop, sr.includeStop);
        }
    }

    void handle(Exchange ex) throws Exception {
        ObjectNode body = Json.parseObject(ex.body());
        api.checkModel(body);
        Params p = new Params(body);
        boolean stream = p.bool("stream", false);
        ObjectNode streamOptions = p.object("stream_options");
        if (streamOptions != null && !stream) throw ApiException.badRequest("stream_options", "'stream_options' is only allowed when 'stream' is true");
        boolean includeUsage = streamOptions != null && new Params(streamOptions).bool("include_usage", false);
        boolean logprobs = p.bool("logprobs", false);
        Long top = p.integer("top_logprobs", 0, api.config.maxLogprobs());
        if (top != null && top > 0 && !logprobs) throw ApiException.badRequest("top_logprobs", "when using 'top_logprobs', 'logprobs' must be set to true");
        checkResponseFormat(p);
        ChatRequest req = parse(body);
        boolean parseTools = toolMode(req, body);
        SamplingRequest sr = new SamplingRequest(p, api.defaults, api.vocab(), p.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens");
        if (logprobs) sr.topLogprobs = top == null ? 0 : top.intValue();

        EncodedPrompt prompt = encode(req);
        int[] ids = prompt.tokens();
        int maxTokens = sr.resolveMaxTokens(ids.length, api.maxModelLen, api.defaults.maxTokens(), null, "messages");
        List<PromptEmbeddings> embeddings = embeddings(prompt);
        int eos = api.tokenizer.eosId();
        String id = "chatcmpl-" + Ids.hex(32);
        List<Generation.Choice> choices = new ArrayList<>();
        List<Out> outs = new ArrayList<>();
        for (int j = 0; j < sr.n; j++) {
            LogitsProcessor grammar = api.structuredOutputs == null ? null : api.structuredOutputs.processor(req, api.tokenizer);
            EngineRequest r = new EngineRequest(id + "-" + j, ids, embeddings, sr.params(maxTokens, j), sr.processors(eos, grammar));
            // Text for the engine side only decides nothing here: stop strings run on the parsed content (StopFilter).
            choices.add(new Generation.Choice(r, new ChoiceText(api.tokenizer, SpecialTokenPolicy.IGNORE, List.of(), false, sr.silentIds(eos))));
            outs.add(new Out(sr));
        }

        try (AutoCloseable admitted = api.admit()) {
            api.metrics.requestParams(sr.n, maxTokens);
            Generation gen = new Generation(api.metrics, eos);
            ex.onClose(gen::cancel);
            long created = System.currentTimeMillis() / 1000;
            if (stream) {
                ex.sseStart();
                for (int j = 0; j < sr.n; j++) {
                    ObjectNode delta = Json.object().put("role", "assistant").put("content", "");
                    ex.sse(chunk(id, created, j, delta, null, null, null));
                }
            }
            gen.start(api.engine, choices);
            int open = outs.size();
            var silent = sr.silentIds(eos);
            while (open > 0) {
                Generation.Event e = gen.next();
                switch (e) {
                    case Generation.Cancelled c -> {
                        return;
                    }
                    case Generation.Failed f -> {
                        gen.cancel();
                        throw CompletionsApi.failure(f.error());
                    }
                    case Generation.Token t -> {
                        Out o = outs.get(t.choice());
                        if (o.stopped) continue;
                        o.steps.add(t.step());
                        o.unsent.add(t.step());
                        List<OutputEvent> evs = silent.contains(t.step().id()) && t.step().id() != eos ? List.of() : o.parser.push(t.step().id());
                        ObjectNode delta = apply(o, evs, parseTools);
                        if (o.stopped) {
                            gen.stop(t.choice());
                        }
                        if (stream && !delta.isEmpty()) {
                            ex.sse(chunk(id, created, t.choice(), delta, logprobs ? logprobsContent(o.unsent, sr) : null, null, null));
                            o.unsent.clear();
                        }
                    }
                    case Generation.Done d -> {
                        Out o = outs.get(d.choice());
                        open--;
                        ObjectNode delta = o.stopped ? Json.object() : apply(o, o.parser.finish(), parseTools);
                        String tail = o.stop.finish();
                        if (!tail.isEmpty()) appendContent(o, delta, tail);
                        if (o.stopped) {
                            o.finish = "stop";
                        } else {
                            o.finish = d.finishReason().equals("cancelled") ? "stop" : d.finishReason();
                            o.stopReason = d.stopReason();
                        }
                        if (!o.calls.isEmpty() && o.finish.equals("stop")) o.finish = "tool_calls";
                        if (stream) {
                            ex.sse(chunk(id, created, d.choice(), delta, logprobs && !o.unsent.isEmpty() ? logprobsContent(o.unsent, sr) : null, o.finish, o.stopReason));
                            o.unsent.clear();
                        }
                    }
                }
            }
            int completionTokens = outs.stream().mapToInt(o -> o.steps.size()).sum();
            ObjectNode usage = CompletionsApi.usage(ids.length, completionTokens);
            if (stream) {
                if (includeUsage) {
                    ObjectNode u = Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", api.modelName());
                    u.putArray("choices");
                    u.set("usage", usage);
                    ex.sse(u);
                }
                ex.sseDone();
                return;
            }
            ObjectNode resp = Json.object().put("id", id).put("object", "chat.completion").put("created", created).put("model", api.modelName());
            ArrayNode cs = resp.putArray("choices");
            for (int j = 0; j < outs.size(); j++) {
                Out o = outs.get(j);
                ObjectNode c = cs.addObject().put("index", j);
                ObjectNode msg = c.putObject("message").put("role", "assistant");
                if (o.content.isEmpty() && !o.calls.isEmpty()) msg.putNull("content");
                else msg.put("content", o.content.toString());
                if (o.reasoning.isEmpty()) msg.putNull("reasoning");
                else msg.put("reasoning", o.reasoning.toString());
                if (o.reasoning.isEmpty()) msg.putNull("reasoning_content");
                else msg.put("reasoning_content", o.reasoning.toString());
                ArrayNode tcs = msg.putArray("tool_calls");
                for (String[] call : o.calls) {
                    ObjectNode tc = tcs.addObject().put("id", call[0]).put("type", "function");
                    tc.putObject("function").put("name", call[1]).put("arguments", call[2]);
                }
                if (logprobs) c.set("logprobs", logprobsContent(o.steps, sr));
                else c.putNull("logprobs");
                c.put("finish_reason", o.finish);
                CompletionsApi.putStopReason(c, o.stopReason);
            }
            resp.set("usage", usage);
            resp.putNull("prompt_logprobs");
            ex.json(200, resp);
        }
    }

    /** Applies parser events to a choice; returns the OpenAI delta they make. */
    private ObjectNode apply(Out o, List<OutputEvent> events, boolean parseTools) {
        ObjectNode delta = Json.object();
        for (OutputEvent ev : events) {
            if (o.stopped) break;
            switch (ev) {
                case OutputEvent.Content c -> appendContent(o, delta, o.stop.push(c.text()));
                case OutputEvent.Reasoning r -> {
                    if (api.config.reasoningParser() == null) {
                        appendContent(o, delta, o.stop.push(r.text()));
                    } else {
                        o.reasoning.append(r.text());
                        delta.put("reasoning", delta.path("reasoning").asText("") + r.text());
                    }
                }
                case OutputEvent.ToolCallStart s -> {
                    if (!parseTools) {
                        appendContent(o, delta, o.stop.push(s.name()));
                        continue;
                    }
                    o.calls.add(new String[] {s.id(), s.name(), ""});
                    ObjectNode tc = Json.object().put("index", s.index()).put("id", s.id()).put("type", "function");
                    tc.putObject("function").put("name", s.name()).put("arguments", "");
                    toolCalls(delta).add(tc);
                }
                case OutputEvent.ToolCallArguments a -> {
                    if (!parseTools) {
                        appendContent(o, delta, o.stop.push(a.text()));
                        continue;
                    }
                    o.calls.get(a.index())[2] += a.text();
                    ArrayNode list = toolCalls(delta);
                    ObjectNode last = list.isEmpty() ? null : (ObjectNode) list.get(list.size() - 1);
                    if (last != null && last.get("index").asInt() == a.index()) {
                        ObjectNode f = (ObjectNode) last.get("function");
                        f.put("arguments", f.path("arguments").asText("") + a.text());
                    } else {
                        ObjectNode tc = Json.object().put("index", a.index());
                        tc.putObject("function").put("arguments", a.text());
                        list.add(tc);
                    }
                }
            }
            if (o.stop.matched() != null) {
                o.stopped = true;
                o.stopReason = o.stop.matched();
            }
        }
        return delta;
    }

    private static void appendContent(Out o, ObjectNode delta, String text) {
        if (text.isEmpty()) return;
        o.content.append(text);
        delta.put("content", delta.path("content").asText("") + text);
    }

    private static ArrayNode toolCalls(ObjectNode delta) {
        JsonNode n = delta.get("tool_calls");
        return n instanceof ArrayNode a ? a : delta.putArray("tool_calls");
    }

    private ObjectNode chunk(String id, long created, int index, ObjectNode delta, ObjectNode logprobs, String finish, Object stopReason) {
        ObjectNode o = Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", api.modelName());
        ObjectNode c = o.putArray("choices").addObject().put("index", index);
        c.set("delta", delta);
        if (logprobs != null) c.set("logprobs", logprobs);
        else c.putNull("logprobs");
        c.put("finish_reason", finish);
        if (finish != null) CompletionsApi.putStopReason(c, stopReason);
        return o;
    }

    /** OpenAI chat logprobs: {"content": [{token, logprob, bytes, top_logprobs: [...]}]}. */
    private ObjectNode logprobsContent(List<Step> steps, SamplingRequest sr) {
        ObjectNode lp = Json.object();
        ArrayNode content = lp.putArray("content");
        for (Step s : steps) {
            ObjectNode e = entry(s.id(), s.logprob());
            ArrayNode tops = e.putArray("top_logprobs");
            for (int k = 0; k < Math.min(sr.topLogprobs, s.topIds().length); k++) tops.add(entry(s.topIds()[k], s.topLogprobs()[k]));
            content.add(e);
        }
        return lp;
    }

    private ObjectNode entry(int id, float logprob) {
        ObjectNode e = Json.object().put("token", Prompts.tokenString(api.tokenizer, id)).put("logprob", CompletionsApi.clamp(logprob));
        ArrayNode bytes = e.putArray("bytes");
        for (byte b : api.tokenizer.tokenBytes(id)) bytes.add(b & 0xff);
        return e;
    }

    /**
     * vLLM's tool_choice rules: "auto" (the default when tools are sent) needs --enable-auto-tool-choice; "required"
     * and named choices need tools, and a named function must be one of them. Returns whether to parse tool calls.
     */
    private boolean toolMode(ChatRequest req, ObjectNode body) {
        List<Tool> tools = req.tools() == null ? List.of() : req.tools();
        ToolChoice choice = req.toolChoice();
        boolean explicit = body.hasNonNull("tool_choice");
        switch (choice.mode()) {
            case NONE -> {
                return false;
            }
            case AUTO -> {
                if (tools.isEmpty()) return false;
                if (!api.config.enableAutoToolChoice())
                    throw ApiException.badRequest("tool_choice", "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set");
                return true;
            }
            case REQUIRED, ANY -> {
                if (tools.isEmpty()) throw ApiException.badRequest("tool_choice", "tool_choice \"" + (explicit ? body.get("tool_choice").asText() : "required") + "\" needs 'tools'");
                return true;
            }
            case NAMED -> {
                if (tools.isEmpty()) throw ApiException.badRequest("tool_choice", "a named tool_choice needs 'tools'");
                if (tools.stream().noneMatch(t -> t.name().equals(choice.functionName())))
                    throw ApiException.badRequest("tool_choice", "Tool '" + choice.functionName() + "' has not been passed in `tools`.");
                return true;
            }
        }
        return false;
    }

    private static void checkResponseFormat(Params p) {
        ObjectNode rf = p.object("response_format");
        if (rf == null) return;
        JsonNode type = rf.get("type");
        String t = type != null && type.isTextual() ? type.textValue() : null;
        if (t == null || !(t.equals("text") || t.equals("json_object") || t.equals("json_schema")))
            throw ApiException.badRequest("response_format", "'response_format.type' must be 'text', 'json_object' or 'json_schema'");
        if (t.equals("json_schema")) {
            JsonNode js = rf.get("json_schema");
            if (js == null || !js.isObject()) throw ApiException.badRequest("response_format", "'response_format.json_schema' is required for type 'json_schema'");
            JsonNode schema = js.get("schema");
            if (schema != null && !schema.isNull() && !schema.isObject())
                throw ApiException.badRequest("response_format", "'response_format.json_schema.schema' must be an object");
        }
    }

    /** Image features for every image slot, at the positions of its [IMG] tokens. */
    private List<PromptEmbeddings> embeddings(EncodedPrompt prompt) {
        if (prompt.images().isEmpty()) return List.of();
        List<PromptEmbeddings> out = new ArrayList<>();
        int[] ids = prompt.tokens();
        for (EncodedPrompt.ImageSlot slot : prompt.images()) {
            if (!(slot.image() instanceof ServerImages.Decoded d)) throw new IllegalStateException("image was not decoded by the server");
            PreprocessedImage pre = preprocessor.preprocess(d.rgb());
            int n = slot.grid().imageTokens();
            int[] positions = new int[n];
            int k = 0;
            for (int i = slot.offset(); i < slot.offset() + slot.grid().promptTokens() && k < n; i++) if (ids[i] == imgId) positions[k++] = i;
            if (k != n) throw new IllegalStateException("image block has " + k + " [IMG] tokens, expected " + n);
            out.add(new PromptEmbeddings(positions, api.imageEmbedder.embed(pre), sha256(d.rgb().rgb())));
        }
        return out;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            return Integer.toHexString(java.util.Arrays.hashCode(b));
        }
    }
}
