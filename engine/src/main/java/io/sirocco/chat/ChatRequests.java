package io.sirocco.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.chat.ChatException.Kind;
import io.sirocco.chat.ChatException.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * OpenAI-style JSON ({@code /v1/chat/completions} body) → {@link ChatRequest}. Follows mistral-common's
 * {@code ChatCompletionRequest.from_openai} (what it accepts, how it fills defaults) plus the Mistral extension
 * {@code "prefix": true} on an assistant message. Errors are {@link ChatException}s at stage CONVERT that name the JSON
 * path, e.g. {@code messages[2].tool_call_id: field required}.
 */
public final class ChatRequests {
    private ChatRequests() {}

    /** Range limits on sampling fields. */
    public enum Limits {
        /** OpenAI's: temperature in [0, 2]. What a server accepts. */
        OPENAI(2.0),
        /** mistral-common's {@code ChatCompletionRequest}: temperature in [0, 1]. */
        MISTRAL_COMMON(1.0);

        final double maxTemperature;

        Limits(double maxTemperature) {
            this.maxTemperature = maxTemperature;
        }
    }

    private static final Pattern DATA_IMAGE_PREFIX = Pattern.compile("^data:image/\\w+;base64,");

    public static ChatRequest fromOpenAi(JsonNode json) {
        return fromOpenAi(json, Limits.OPENAI);
    }

    public static ChatRequest fromOpenAi(JsonNode json, Limits limits) {
        if (json == null || !json.isObject()) throw error("", "the request must be a JSON object");
        JsonNode msgs = json.get("messages");
        if (msgs == null) throw error("messages", "field required");
        if (!msgs.isArray()) throw error("messages", "must be a list");
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) messages.add(message(msgs.get(i), "messages[" + i + "]", i));

        List<Tool> tools = null;
        JsonNode t = json.get("tools");
        if (t != null && !t.isNull()) {
            if (!t.isArray()) throw error("tools", "must be a list");
            tools = new ArrayList<>();
            for (int i = 0; i < t.size(); i++) tools.add(tool(t.get(i), "tools[" + i + "]"));
        }

        if (json.hasNonNull("seed") && json.hasNonNull("random_seed"))
            throw error("seed", "Cannot specify both `seed` and `random_seed`.");
        Long seed = optLong(json, json.hasNonNull("seed") ? "seed" : "random_seed", 0);
        Double temperature = optDouble(json, "temperature", 0, limits.maxTemperature);
        Double topP = optDouble(json, "top_p", 0, 1);
        Long maxTokens = optLong(json, json.hasNonNull("max_tokens") ? "max_tokens" : "max_completion_tokens", 0);
        String model = optString(json, "model");
        ReasoningEffort effort = null;
        String re = optString(json, "reasoning_effort");
        if (re != null) {
            try {
                effort = ReasoningEffort.fromWire(re);
            } catch (IllegalArgumentException e) {
                throw error("reasoning_effort", "Input should be 'none' or 'high', got '" + re + "'");
            }
        }
        JsonNode rf = json.get("response_format");
        if (rf != null && !rf.isNull() && !rf.isObject()) throw error("response_format", "must be an object");
        return new ChatRequest(model, messages, tools, toolChoice(json.get("tool_choice")),
                optBool(json, "parallel_tool_calls", true), optBool(json, "continue_final_message", false),
                effort, rf == null || rf.isNull() ? null : rf, temperature, topP,
                maxTokens == null ? null : (int) Math.min(Integer.MAX_VALUE, maxTokens), seed);
    }

    private static Message message(JsonNode m, String path, int index) {
        if (m == null || !m.isObject()) throw error(path, "a message must be a JSON object");
        JsonNode roleNode = m.get("role");
        String role = roleNode != null && roleNode.isTextual() ? roleNode.textValue() : String.valueOf(roleNode);
        return switch (role) {
            case "system" -> new Message.System(requiredContent(m, path, Message.Role.SYSTEM));
            case "user" -> new Message.User(requiredContent(m, path, Message.Role.USER));
            case "assistant" -> assistant(m, path);
            case "tool" -> {
                Content content = requiredContent(m, path, Message.Role.TOOL);
                if (!m.has("tool_call_id")) throw error(path + ".tool_call_id", "field required");
                yield new Message.Tool(content, optString(m, "tool_call_id", path), optString(m, "name", path));
            }
            default -> throw error(path + ".role", "Unknown message role: " + role);
        };
    }

    private static Message.Assistant assistant(JsonNode m, String path) {
        List<ToolCall> calls = null;
        JsonNode tc = m.get("tool_calls");
        if (tc != null && !tc.isNull()) {
            if (!tc.isArray()) throw error(path + ".tool_calls", "tool_calls must be a list");
            calls = new ArrayList<>();
            for (int i = 0; i < tc.size(); i++) calls.add(toolCall(tc.get(i), path + ".tool_calls[" + i + "]"));
        }
        Content content = content(m.get("content"), path + ".content", Message.Role.ASSISTANT);
        String reasoningContent = optString(m, "reasoning_content", path);
        String reasoning = optString(m, "reasoning", path);
        if (reasoningContent != null && reasoning != null && !reasoningContent.equals(reasoning))
            throw error(path, "`reasoning_content` and `reasoning` should be equal.");
        String thinking = reasoning != null ? reasoning : reasoningContent;
        if (thinking != null) {
            // The reasoning field becomes a leading closed think chunk, as mistral-common's from_openai does.
            List<Chunk> chunks = new ArrayList<>();
            chunks.add(new Chunk.Think(thinking, true));
            if (content instanceof Content.Str s) chunks.add(new Chunk.Text(s.text()));
            else if (content instanceof Content.Chunks c) {
                if (c.chunks().stream().anyMatch(x -> x instanceof Chunk.Think))
                    throw error(path, "Message cannot have both thinking chunks in content and a top-level `reasoning` or `reasoning_content` field.");
                chunks.addAll(c.chunks());
            }
            content = Content.of(chunks);
        }
        return new Message.Assistant(content, calls, optBool(m, "prefix", false));
    }

    private static ToolCall toolCall(JsonNode c, String path) {
        if (c == null || !c.isObject()) throw error(path, "a tool call must be a JSON object");
        JsonNode f = c.get("function");
        if (f == null || !f.isObject()) throw error(path + ".function", "field required");
        String name = optString(f, "name", path + ".function");
        if (name == null) throw error(path + ".function.name", "field required");
        JsonNode a = f.get("arguments");
        String args;
        if (a == null || a.isNull()) args = "{}";
        else if (a.isTextual()) args = a.textValue();
        else if (a.isObject()) args = PythonJson.dumps(a);
        else throw error(path + ".function.arguments", "Input should be a valid string");
        String type = optString(c, "type", path);
        if (type != null && !type.equals("function")) throw error(path + ".type", "Input should be 'function'");
        return new ToolCall(optString(c, "id", path), name, args);
    }

    private static Tool tool(JsonNode t, String path) {
        if (t == null || !t.isObject()) throw error(path, "a tool must be a JSON object");
        String type = optString(t, "type", path);
        if (type != null && !type.equals("function")) throw error(path + ".type", "Input should be 'function'");
        JsonNode f = t.get("function");
        if (f == null || !f.isObject()) throw error(path + ".function", "field required");
        String name = optString(f, "name", path + ".function");
        if (name == null) throw error(path + ".function.name", "field required");
        JsonNode p = f.get("parameters");
        if (p != null && !p.isNull() && !p.isObject()) throw error(path + ".function.parameters", "Input should be a valid dictionary");
        return new Tool(name, optString(f, "description", path + ".function"),
                p == null || p.isNull() ? null : (ObjectNode) p, optBool(f, "strict", false));
    }

    private static ToolChoice toolChoice(JsonNode n) {
        if (n == null || n.isNull()) return ToolChoice.AUTO;
        if (n.isTextual()) {
            return switch (n.textValue()) {
                case "auto" -> ToolChoice.AUTO;
                case "none" -> ToolChoice.NONE;
                case "any" -> ToolChoice.ANY;
                case "required" -> ToolChoice.REQUIRED;
                default -> throw error("tool_choice", "Input should be 'auto', 'none', 'any' or 'required', got '" + n.textValue() + "'");
            };
        }
        if (n.isObject()) {
            JsonNode f = n.get("function");
            String name = f != null && f.isObject() ? optString(f, "name", "tool_choice.function") : null;
            if (name == null) throw error("tool_choice.function.name", "field required");
            return ToolChoice.named(name);
        }
        throw error("tool_choice", "Input should be 'auto', 'none', 'any', 'required' or a named function");
    }

    private static Content requiredContent(JsonNode m, String path, Message.Role role) {
        if (!m.has("content")) throw error(path + ".content", "field required");
        Content c = content(m.get("content"), path + ".content", role);
        if (c == null) throw error(path + ".content", "Input should be a valid string or list of chunks, got null");
        return c;
    }

    /** null (absent / JSON null), a string, or a list of chunks allowed for this role. */
    private static Content content(JsonNode n, String path, Message.Role role) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return Content.of(n.textValue());
        if (!n.isArray()) throw error(path, "Input should be a valid string or list of chunks");
        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            Chunk c = chunk(n.get(i), path + "[" + i + "]");
            boolean allowed = switch (role) {
                case USER, TOOL -> !(c instanceof Chunk.Think);
                case SYSTEM, ASSISTANT -> !(c instanceof Chunk.Image);
            };
            if (!allowed)
                throw error(path + "[" + i + "]", c.referenceName() + " cannot be used in " + role.wire() + " message.");
            chunks.add(c);
        }
        return Content.of(chunks);
    }

    private static Chunk chunk(JsonNode c, String path) {
        if (c == null || !c.isObject()) throw error(path, "a content chunk must be a JSON object");
        JsonNode typeNode = c.get("type");
        if (typeNode == null || typeNode.isNull()) throw error(path, "Content chunk must have a type field.");
        String type = typeNode.asText();
        switch (type) {
            case "text" -> {
                String text = optString(c, "text", path);
                if (text == null) throw error(path + ".text", "field required");
                return new Chunk.Text(text);
            }
            case "image_url" -> {
                JsonNode u = c.get("image_url");
                String url = u == null ? null : u.isTextual() ? u.textValue() : u.isObject() ? optString(u, "url", path + ".image_url") : null;
                if (url == null || url.isEmpty()) throw error(path + ".image_url.url", "field required");
                return new Chunk.Image(url);
            }
            case "image" -> {
                String img = optString(c, "image", path);
                if (img == null || img.isEmpty()) throw error(path + ".image", "field required");
                // A bare base64 payload, or a data URL whose prefix mistral-common strips.
                return new Chunk.Image(DATA_IMAGE_PREFIX.matcher(img).find() ? img : "data:image/unknown;base64," + img);
            }
            case "thinking" -> {
                String thinking = optString(c, "thinking", path);
                if (thinking == null) throw error(path + ".thinking", "field required");
                return new Chunk.Think(thinking, optBool(c, "closed", true));
            }
            case "input_audio", "audio_url" -> throw error(path, "audio chunks are not supported by this model");
            default -> throw error(path + ".type", "'" + type + "' is not a valid ChunkTypes");
        }
    }

    private static String optString(JsonNode o, String field) {
        return optString(o, field, "");
    }

    private static String optString(JsonNode o, String field, String path) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw error(join(path, field), "Input should be a valid string");
        return n.textValue();
    }

    private static boolean optBool(JsonNode o, String field, boolean dflt) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return dflt;
        if (!n.isBoolean()) throw error(field, "Input should be a valid boolean");
        return n.booleanValue();
    }

    private static Double optDouble(JsonNode o, String field, double min, double max) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isNumber()) throw error(field, "Input should be a valid number");
        double v = n.doubleValue();
        if (v < min) throw error(field, "Input should be greater than or equal to " + fmt(min));
        if (v > max) throw error(field, "Input should be less than or equal to " + fmt(max));
        return v;
    }

    private static Long optLong(JsonNode o, String field, long min) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || !n.canConvertToLong()) throw error(field, "Input should be a valid integer");
        long v = n.longValue();
        if (v < min) throw error(field, "Input should be greater than or equal to " + min);
        return v;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static ChatException error(String path, String what) {
        return new ChatException(Stage.CONVERT, Kind.INVALID_FORMAT, path.isEmpty() ? what : path + ": " + what);
    }
}
