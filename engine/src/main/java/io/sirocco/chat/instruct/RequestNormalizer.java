package io.sirocco.chat.instruct;

import static io.sirocco.chat.TokenizerVersion.V11;
import static io.sirocco.chat.TokenizerVersion.V15;
import static io.sirocco.chat.TokenizerVersion.V3;

import io.sirocco.chat.ChatRequest;
import io.sirocco.chat.Chunk;
import io.sirocco.chat.Content;
import io.sirocco.chat.Message;
import io.sirocco.chat.Message.Role;
import io.sirocco.chat.PythonJson;
import io.sirocco.chat.ToolCall;
import io.sirocco.chat.TokenizerVersion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * mistral-common's request normalizers ({@code InstructRequestNormalizer} v3, {@code V7}, {@code V13} for v11/v13,
 * {@code V15}): runs of same-role messages become one message; text is joined with {@code "\n\n"} across messages and
 * between adjacent chunks of one message (v15: {@code ""} between chunks); v3 folds system messages into one prompt;
 * v11+ sort each run of tool results into the order of the calls they answer.
 */
public final class RequestNormalizer {
    private static final String JOIN = "\n\n";

    private final TokenizerVersion version;
    private final ModelSettingsBuilder settingsBuilder;

    public RequestNormalizer(TokenizerVersion version, ModelSettingsBuilder settingsBuilder) {
        this.version = version;
        this.settingsBuilder = settingsBuilder;
    }

    public InstructRequest normalize(ChatRequest request) {
        ModelSettings settings = version == V15
                ? (settingsBuilder == null ? ModelSettings.NONE : settingsBuilder.build(request))
                : ModelSettings.NONE;
        String systemPrompt = version == V3 ? joinSystemPrompts(request.messages()) : null;
        return new InstructRequest(aggregate(request.messages()), systemPrompt, request.tools(),
                request.continueFinalMessage(), settings);
    }

    private String joinSystemPrompts(List<Message> messages) {
        List<String> parts = new ArrayList<>();
        for (Message m : messages)
            if (m instanceof Message.System s && s.content() != null && !s.content().isEmpty())
                parts.add(((Content.Str) join(List.of(s.content()))).text());
        return parts.isEmpty() ? null : String.join(JOIN, parts);
    }

    private List<Message> aggregate(List<Message> messages) {
        List<Message> out = new ArrayList<>();
        List<Message> run = new ArrayList<>();
        List<String> latestCallIds = new ArrayList<>();
        Role current = null;
        for (Message m : messages) {
            if (m.role() != current) {
                out.addAll(aggregateRun(run, current, latestCallIds));
                if (current == Role.ASSISTANT) {
                    Message.Assistant a = (Message.Assistant) out.get(out.size() - 1);
                    if (a.toolCalls() != null) for (ToolCall c : a.toolCalls()) latestCallIds.add(c.idOrNull());
                } else if (current == Role.TOOL) {
                    latestCallIds.clear();
                }
                run.clear();
            }
            current = m.role();
            run.add(m);
        }
        out.addAll(aggregateRun(run, current, latestCallIds));
        // v3 needs a user turn first (its prompt starts with [INST]); v7+ only avoid an empty prompt.
        if (out.isEmpty() || (version == V3 && out.get(0).role() != Role.USER)) out.add(0, new Message.User(""));
        return out;
    }

    private List<Message> aggregateRun(List<Message> run, Role role, List<String> latestCallIds) {
        if (role == null || run.isEmpty()) return List.of();
        return switch (role) {
            case USER -> List.of(new Message.User(join(contents(run))));
            case ASSISTANT -> List.of(aggregateAssistant(run));
            case SYSTEM -> {
                if (version == V3) yield List.of(); // folded into the system prompt
                List<Message> systems = new ArrayList<>();
                for (Message m : run) systems.add(new Message.System(join(List.of(m.content()))));
                yield systems;
            }
            case TOOL -> aggregateTools(run, latestCallIds);
        };
    }

    private Message aggregateAssistant(List<Message> run) {
        List<ToolCall> calls = new ArrayList<>();
        boolean prefix = false;
        for (Message m : run) {
            Message.Assistant a = (Message.Assistant) m;
            if (a.toolCalls() != null)
                for (ToolCall c : a.toolCalls()) calls.add(new ToolCall(c.id(), c.name(), PythonJson.normalize(c.arguments())));
            prefix |= a.prefix();
        }
        return new Message.Assistant(join(contents(run)), calls.isEmpty() ? null : calls, prefix);
    }

    private List<Message> aggregateTools(List<Message> run, List<String> latestCallIds) {
        List<Message.Tool> tools = new ArrayList<>();
        for (Message m : run) {
            Message.Tool t = (Message.Tool) m;
            Content c = join(List.of(t.content()));
            if (version == V3) c = Content.of(PythonJson.normalize(((Content.Str) c).text()));
            tools.add(new Message.Tool(c, t.toolCallId(), t.name()));
        }
        if (version.atLeast(V11)) {
            Map<String, Integer> callIndex = new HashMap<>();
            for (int i = 0; i < latestCallIds.size(); i++) callIndex.put(latestCallIds.get(i), i);
            Map<String, Integer> resultIndex = new HashMap<>();
            for (int i = 0; i < tools.size(); i++) resultIndex.put(String.valueOf(tools.get(i).toolCallId()), i);
            // Stable sort: answers to known calls in call order, unknown ids after them in their own order.
            tools.sort(Comparator.<Message.Tool>comparingInt(t -> callIndex.getOrDefault(String.valueOf(t.toolCallId()), Integer.MAX_VALUE))
                    .thenComparingInt(t -> resultIndex.get(String.valueOf(t.toolCallId()))));
        }
        return new ArrayList<>(tools);
    }

    private static List<Content> contents(List<Message> run) {
        List<Content> cs = new ArrayList<>();
        for (Message m : run) cs.add(m.content());
        return cs;
    }

    /**
     * Coalesces text: across messages with {@code "\n\n"}, between adjacent chunks of one message with the chunk join
     * string; empty texts are skipped; non-text chunks stay where they are. All-text content becomes a plain string.
     */
    Content join(List<Content> contents) {
        String chunkJoin = version == V15 ? "" : JOIN;
        List<Chunk> out = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        boolean haveText = false;
        for (Content content : contents) {
            boolean newMessage = haveText;
            if (content == null || content.isEmpty()) continue;
            if (content instanceof Content.Str s) {
                if (newMessage) text.append(JOIN);
                text.append(s.text());
                haveText = true;
            } else {
                for (Chunk c : content.asChunks()) {
                    if (c instanceof Chunk.Text t) {
                        if (t.text().isEmpty()) continue;
                        if (haveText) text.append(newMessage ? JOIN : chunkJoin);
                        text.append(t.text());
                        haveText = true;
                        newMessage = false;
                    } else {
                        if (haveText) out.add(new Chunk.Text(text.toString()));
                        text.setLength(0);
                        haveText = false;
                        out.add(c);
                    }
                }
            }
        }
        if (out.isEmpty()) return Content.of(text.toString());
        if (haveText) out.add(new Chunk.Text(text.toString()));
        return Content.of(out);
    }
}
