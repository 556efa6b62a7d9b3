package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.engine.EngineRequest;
import io.sirocco.engine.Step;
import io.sirocco.tokenizer.SpecialTokenPolicy;
import java.util.ArrayList;
import java.util.List;

/** POST /v1/completions: raw prompts (text or token ids, one or many), n samples each, echo, logprobs, streaming. */
final class CompletionsApi {
    private final Api api;

    CompletionsApi(Api api) {
        this.api = api;
    }

    /** One prompt of the request: its ids and, for echo, its text. */
    private record Prompt(int[] ids, String text) {}

    /** What is known of one choice so far. */
    private static final class Out {
        final int prompt;
        final StringBuilder text = new StringBuilder();
        final List<Step> steps = new ArrayList<>();
        String finish;
        Object stopReason;
        boolean done;
        boolean sentEcho;

        Out(int prompt) {
            this.prompt = prompt;
        }
    }

    void handle(Exchange ex) throws Exception {
        ObjectNode body = Json.parseObject(ex.body());
        api.checkModel(body);
        Params p = new Params(body);
        if (p.has("suffix")) throw ApiException.badRequest("suffix", "'suffix' is not supported");
        boolean stream = p.bool("stream", false);
        ObjectNode streamOptions = p.object("stream_options");
        if (streamOptions != null && !stream) throw ApiException.badRequest("stream_options", "'stream_options' is only allowed when 'stream' is true");
        boolean includeUsage = streamOptions != null && new Params(streamOptions).bool("include_usage", false);
        boolean echo = p.bool("echo", false);
        boolean asIds = p.bool("return_tokens_as_token_ids", false);
        boolean returnIds = p.bool("return_token_ids", false);
        SpecialTokenPolicy policy = p.bool("skip_special_tokens", true) ? SpecialTokenPolicy.IGNORE : SpecialTokenPolicy.KEEP;
        List<Prompt> prompts = prompts(p, p.bool("add_special_tokens", true));
        SamplingRequest sr = new SamplingRequest(p, api.defaults, api.vocab(), "max_tokens");
        Long lp = p.integer("logprobs", 0, api.config.maxLogprobs());
        if (lp != null) sr.topLogprobs = lp.intValue();

        List<Generation.Choice> choices = new ArrayList<>();
        List<Out> outs = new ArrayList<>();
        String id = "cmpl-" + Ids.hex(32);
        int eos = api.tokenizer.eosId();
        int promptTokens = 0;
        int maxTokensSeen = 0;
        for (int i = 0; i < prompts.size(); i++) {
            Prompt pr = prompts.get(i);
            String param = "prompt";
            int maxTokens = sr.resolveMaxTokens(pr.ids().length, api.maxModelLen, null, 16, param);
            maxTokensSeen = Math.max(maxTokensSeen, maxTokens);
            promptTokens += pr.ids().length;
            for (int j = 0; j < sr.n; j++) {
                EngineRequest r = new EngineRequest(id + "-" + choices.size(), pr.ids(), List.of(), sr.params(maxTokens, j), sr.processors(eos, null));
                choices.add(new Generation.Choice(r, new ChoiceText(api.tokenizer, policy, sr.stop, sr.includeStop, sr.silentIds(eos))));
                outs.add(new Out(i));
            }
        }

        try (AutoCloseable admitted = api.admit()) {
            api.metrics.requestParams(sr.n, maxTokensSeen);
            Generation gen = new Generation(api.metrics, eos);
            ex.onClose(gen::cancel);
            long created = System.currentTimeMillis() / 1000;
            if (stream) ex.sseStart();
            gen.start(api.engine, choices);
            int open = outs.size();
            while (open > 0) {
                Generation.Event e = gen.next();
                switch (e) {
                    case Generation.Cancelled c -> {
                        return;
                    }
                    case Generation.Failed f -> {
                        gen.cancel();
                        throw failure(f.error());
                    }
                    case Generation.Token t -> {
                        Out o = outs.get(t.choice());
                        o.steps.add(t.step());
                        o.text.append(t.text());
                        if (stream && (!t.text().isEmpty() || sr.topLogprobs >= 0 || echo && !o.sentEcho))
                            ex.sse(chunk(id, created, t.choice(), echoed(o, echo, prompts), t.text(), List.of(t.step()), sr, asIds, null, null, returnIds));
                    }
                    case Generation.Done d -> {
                        Out o = outs.get(d.choice());
                        o.text.append(d.tail());
                        o.finish = d.finishReason().equals("cancelled") ? "stop" : d.finishReason();
                        o.stopReason = d.stopReason();
                        o.done = true;
                        open--;
                        if (stream)
                            ex.sse(chunk(id, created, d.choice(), echoed(o, echo, prompts), d.tail(), List.of(), sr, asIds, d.finishReason(), d.stopReason(), false));
                    }
                }
            }
            int completionTokens = outs.stream().mapToInt(o -> o.steps.size()).sum();
            ObjectNode usage = usage(promptTokens, completionTokens);
            if (stream) {
                if (includeUsage) {
                    ObjectNode u = Json.object().put("id", id).put("object", "text_completion").put("created", created).put("model", api.modelName());
                    u.putArray("choices");
                    u.set("usage", usage);
                    ex.sse(u);
                }
                ex.sseDone();
                return;
            }
            ObjectNode resp = Json.object().put("id", id).put("object", "text_completion").put("created", created).put("model", api.modelName());
            ArrayNode cs = resp.putArray("choices");
            for (int i = 0; i < outs.size(); i++) {
                Out o = outs.get(i);
                Prompt pr = prompts.get(o.prompt);
                ObjectNode c = cs.addObject().put("index", i).put("text", (echo ? pr.text() : "") + o.text);
                if (sr.topLogprobs >= 0) c.set("logprobs", logprobs(echo ? pr : null, o.steps, sr, asIds));
                else c.putNull("logprobs");
                c.put("finish_reason", o.finish);
                putStopReason(c, o.stopReason);
                c.putNull("prompt_logprobs");
                if (returnIds) {
                    ArrayNode ids = c.putArray("token_ids");
                    for (Step s : o.steps) ids.add(s.id());
                    ArrayNode pids = c.putArray("prompt_token_ids");
                    for (int t : pr.ids()) pids.add(t);
                }
            }
            resp.set("usage", usage);
            ex.json(200, resp);
        }
    }

    /** The echo text to put in front of a choice's first streamed chunk (once). */
    private static String echoed(Out o, boolean echo, List<Prompt> prompts) {
        if (!echo || o.sentEcho) return "";
        o.sentEcho = true;
        return prompts.get(o.prompt).text();
    }

    private ObjectNode chunk(String id, long created, int index, String prefix, String text, List<Step> steps, SamplingRequest sr,
                             boolean asIds, String finish, Object stopReason, boolean returnIds) {
        ObjectNode o = Json.object().put("id", id).put("object", "text_completion").put("created", created).put("model", api.modelName());
        ObjectNode c = o.putArray("choices").addObject().put("index", index).put("text", prefix + text);
        if (sr.topLogprobs >= 0 && !steps.isEmpty()) c.set("logprobs", logprobs(null, steps, sr, asIds));
        else c.putNull("logprobs");
        c.put("finish_reason", finish);
        putStopReason(c, stopReason);
        if (returnIds && !steps.isEmpty()) {
            ArrayNode ids = c.putArray("token_ids");
            for (Step s : steps) ids.add(s.id());
        }
        return o;
    }

    static void putStopReason(ObjectNode c, Object stopReason) {
        if (stopReason instanceof Integer i) c.put("stop_reason", i);
        else if (stopReason instanceof String s) c.put("stop_reason", s);
        else c.putNull("stop_reason");
    }

    static ObjectNode usage(int prompt, int completion) {
        ObjectNode u = Json.object().put("prompt_tokens", prompt).put("total_tokens", prompt + completion).put("completion_tokens", completion);
        u.putNull("prompt_tokens_details");
        return u;
    }

    /** The legacy completions logprobs object; echoed prompt tokens have no logprob (prompt logprobs are not computed). */
    private ObjectNode logprobs(Prompt echo, List<Step> steps, SamplingRequest sr, boolean asIds) {
        ObjectNode lp = Json.object();
        ArrayNode offsets = lp.putArray("text_offset");
        ArrayNode tokenLps = lp.putArray("token_logprobs");
        ArrayNode tokens = lp.putArray("tokens");
        ArrayNode tops = lp.putArray("top_logprobs");
        int offset = 0;
        if (echo != null) {
            for (int id : echo.ids()) {
                String s = token(id, asIds);
                offsets.add(offset);
                offset += api.tokenizer.isSpecial(id) ? 0 : Prompts.tokenString(api.tokenizer, id).length();
                tokenLps.addNull();
                tokens.add(s);
                tops.addNull();
            }
        }
        for (Step st : steps) {
            offsets.add(offset);
            offset += api.tokenizer.isSpecial(st.id()) ? 0 : Prompts.tokenString(api.tokenizer, st.id()).length();
            tokenLps.add(clamp(st.logprob()));
            tokens.add(token(st.id(), asIds));
            ObjectNode top = tops.addObject();
            top.put(token(st.id(), asIds), clamp(st.logprob()));
            for (int k = 0; k < Math.min(sr.topLogprobs, st.topIds().length); k++) {
                String t = token(st.topIds()[k], asIds);
                if (!top.has(t)) top.put(t, clamp(st.topLogprobs()[k]));
            }
        }
        return lp;
    }

    String token(int id, boolean asIds) {
        return asIds ? "token_id:" + id : Prompts.tokenString(api.tokenizer, id);
    }

    /** vLLM reports -inf logprobs as -9999.0 (JSON has no infinity). */
    static double clamp(float lp) {
        return Float.isFinite(lp) ? lp : -9999.0;
    }

    static ApiException failure(Throwable t) {
        if (t instanceof ApiException a) return a;
        if (t instanceof IllegalArgumentException) return ApiException.badRequest(null, t.getMessage());
        return new ApiException(500, "InternalServerError", "generation failed: " + t, null);
    }

    private List<Prompt> prompts(Params p, boolean addSpecial) {
        JsonNode n = p.node("prompt");
        if (n == null) throw ApiException.badRequest("prompt", "'prompt' is required");
        List<Prompt> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(textPrompt(n.textValue(), addSpecial));
        } else if (n.isArray()) {
            if (n.isEmpty()) throw ApiException.badRequest("prompt", "'prompt' may not be empty");
            if (n.size() > 256) throw ApiException.badRequest("prompt", "at most 256 prompts per request");
            if (n.get(0).isNumber()) {
                out.add(idPrompt(n, "prompt"));
            } else {
                for (int i = 0; i < n.size(); i++) {
                    JsonNode e = n.get(i);
                    if (e.isTextual()) out.add(textPrompt(e.textValue(), addSpecial));
                    else if (e.isArray()) out.add(idPrompt(e, "prompt[" + i + "]"));
                    else throw ApiException.badRequest("prompt", "'prompt[" + i + "]' must be a string or a list of token ids");
                }
            }
        } else {
            throw ApiException.badRequest("prompt", "'prompt' must be a string, a list of strings, a list of token ids or a list of lists of token ids");
        }
        Long n2 = p.integer("n", 1, SamplingRequest.MAX_N);
        if (out.size() * (n2 == null ? 1 : n2) > 256)
            throw ApiException.badRequest("n", "too many choices: prompts × n must be ≤ 256");
        return out;
    }

    private Prompt textPrompt(String text, boolean addSpecial) {
        int[] ids = Prompts.encodeText(api.tokenizer, text, addSpecial);
        if (ids.length == 0) throw ApiException.badRequest("prompt", "the prompt is empty");
        return new Prompt(ids, text);
    }

    private Prompt idPrompt(JsonNode arr, String param) {
        if (arr.isEmpty()) throw ApiException.badRequest("prompt", "'" + param + "' has no tokens");
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = (int) Params.integer(arr.get(i), param + "[" + i + "]", 0, api.vocab() - 1);
        return new Prompt(ids, api.tokenizer.decode(ids, SpecialTokenPolicy.IGNORE));
    }
}
