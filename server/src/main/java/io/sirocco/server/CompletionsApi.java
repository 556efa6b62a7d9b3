package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.engine.EngineRequest;
import io.sirocco.engine.PromptLogprob;
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
        List<PromptLogprob> promptLps;  // entry i for prompt token i + 1; null unless asked for
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
        boolean continuous = includeUsage && new Params(streamOptions).bool("continuous_usage_stats", false);
        boolean echo = p.bool("echo", false);
        boolean asIds = p.bool("return_tokens_as_token_ids", false);
        boolean returnIds = p.bool("return_token_ids", false);
        SpecialTokenPolicy policy = p.bool("skip_special_tokens", true) ? SpecialTokenPolicy.IGNORE : SpecialTokenPolicy.KEEP;
        SamplingRequest sr = new SamplingRequest(p, api.defaults, api.vocab(), api.config.maxLogprobs(), "max_tokens");
        List<Prompt> prompts = new ArrayList<>();
        for (Prompt pr : prompts(p, p.bool("add_special_tokens", true))) {
            int[] kept = sr.truncate(pr.ids(), api.maxModelLen);
            prompts.add(kept == pr.ids() ? pr : new Prompt(kept, api.tokenizer.decode(kept, SpecialTokenPolicy.IGNORE)));
        }
        Long lp = p.integer("logprobs", 0, api.config.maxLogprobs());
        if (lp != null) sr.topLogprobs = lp.intValue();
        // echo + logprobs reports the prompt tokens' logprobs too (legacy format), prompt_logprobs in vLLM's
        int promptK = Math.max(sr.promptLogprobs, echo && lp != null ? lp.intValue() : -1);

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
                EngineRequest r = new EngineRequest(id + "-" + choices.size(), pr.ids(), List.of(), sr.params(maxTokens, j),
                        sr.processors(api.tokenizer, null), promptK);
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
                    case Generation.PromptLogprobs pl -> outs.get(pl.choice()).promptLps = pl.logprobs();
                    case Generation.Token t -> {
                        Out o = outs.get(t.choice());
                        o.steps.add(t.step());
                        o.text.append(t.text());
                        if (stream && (!t.text().isEmpty() || sr.topLogprobs >= 0 || echo && !o.sentEcho)) {
                            Prompt echoing = echo && !o.sentEcho ? prompts.get(o.prompt) : null;
                            ex.sse(withUsage(continuous, chunk(id, created, t.choice(), echoed(o, echo, prompts), echoing, o.promptLps, t.text(), List.of(t.step()),
                                    sr, asIds, null, null, returnIds), prompts.get(o.prompt).ids().length, o.steps.size()));
                        }
                    }
                    case Generation.Done d -> {
                        Out o = outs.get(d.choice());
                        o.text.append(d.tail());
                        o.finish = d.finishReason().equals("cancelled") ? "stop" : d.finishReason();
                        o.stopReason = d.stopReason();
                        o.done = true;
                        open--;
                        if (stream) {
                            Prompt echoing = echo && !o.sentEcho ? prompts.get(o.prompt) : null;
                            ex.sse(withUsage(continuous, chunk(id, created, d.choice(), echoed(o, echo, prompts), echoing, o.promptLps, d.tail(), List.of(), sr, asIds,
                                    d.finishReason(), d.stopReason(), false), prompts.get(o.prompt).ids().length, o.steps.size()));
                        }
                    }
                }
            }
            int completionTokens = outs.stream().mapToInt(o -> o.steps.size()).sum();
            ObjectNode usage = usage(promptTokens, completionTokens);
            if (stream) {
                endStream(ex, head(id, "text_completion", created, api.modelName()), includeUsage, usage);
                return;
            }
            ObjectNode resp = head(id, "text_completion", created, api.modelName());
            ArrayNode cs = resp.putArray("choices");
            for (int i = 0; i < outs.size(); i++) {
                Out o = outs.get(i);
                Prompt pr = prompts.get(o.prompt);
                ObjectNode c = cs.addObject().put("index", i).put("text", (echo ? pr.text() : "") + o.text);
                if (sr.topLogprobs >= 0) c.set("logprobs", logprobs(echo ? pr : null, o.promptLps, o.steps, sr, asIds));
                else c.putNull("logprobs");
                c.put("finish_reason", o.finish);
                putStopReason(c, o.stopReason);
                if (sr.promptLogprobs >= 0 && o.promptLps != null)
                    c.set("prompt_logprobs", PromptLogprobsJson.of(o.promptLps, sr.promptLogprobs, t -> token(t, asIds)));
                else c.putNull("prompt_logprobs");
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

    /** One streamed chunk; {@code echoing} (with its prompt logprobs) is the prompt whose text the chunk starts with, or null. */
    private ObjectNode chunk(String id, long created, int index, String prefix, Prompt echoing, List<PromptLogprob> promptLps, String text,
                             List<Step> steps, SamplingRequest sr, boolean asIds, String finish, Object stopReason, boolean returnIds) {
        ObjectNode o = Json.object().put("id", id).put("object", "text_completion").put("created", created).put("model", api.modelName());
        ObjectNode c = o.putArray("choices").addObject().put("index", index).put("text", prefix + text);
        if (sr.topLogprobs >= 0 && (!steps.isEmpty() || echoing != null)) c.set("logprobs", logprobs(echoing, promptLps, steps, sr, asIds));
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

    /**
     * stream_options.continuous_usage_stats (with include_usage): every chunk carries the usage of its choice so far,
     * as vLLM (its prompt's tokens, the tokens generated for that choice).
     */
    static ObjectNode withUsage(boolean continuous, ObjectNode chunk, int prompt, int completion) {
        if (continuous) chunk.set("usage", usage(prompt, completion));
        return chunk;
    }

    /** The fields every OpenAI response object and chunk starts with. */
    static ObjectNode head(String id, String object, long created, String model) {
        return Json.object().put("id", id).put("object", object).put("created", created).put("model", model);
    }

    /** Ends a stream as vLLM does: the usage chunk (no choices) when stream_options.include_usage, then [DONE]. */
    static void endStream(Exchange ex, ObjectNode head, boolean includeUsage, ObjectNode usage) {
        if (includeUsage) {
            head.putArray("choices");
            head.set("usage", usage);
            ex.sse(head);
        }
        ex.sseDone();
    }

    static ObjectNode usage(int prompt, int completion) {
        ObjectNode u = Json.object().put("prompt_tokens", prompt).put("total_tokens", prompt + completion).put("completion_tokens", completion);
        u.putNull("prompt_tokens_details");
        return u;
    }

    /**
     * The legacy completions logprobs object. Echoed prompt tokens come first, with their prompt logprobs ({@code
     * promptLps}, entry i for token i + 1); the first prompt token has none (null), as in vLLM.
     */
    private ObjectNode logprobs(Prompt echo, List<PromptLogprob> promptLps, List<Step> steps, SamplingRequest sr, boolean asIds) {
        ObjectNode lp = Json.object();
        ArrayNode offsets = lp.putArray("text_offset");
        ArrayNode tokenLps = lp.putArray("token_logprobs");
        ArrayNode tokens = lp.putArray("tokens");
        ArrayNode tops = lp.putArray("top_logprobs");
        int offset = 0;
        if (echo != null) {
            for (int i = 0; i < echo.ids().length; i++) {
                int id = echo.ids()[i];
                offsets.add(offset);
                offset += api.tokenizer.isSpecial(id) ? 0 : Prompts.tokenString(api.tokenizer, id).length();
                tokens.add(token(id, asIds));
                PromptLogprob plp = i > 0 && promptLps != null && i - 1 < promptLps.size() ? promptLps.get(i - 1) : null;
                if (plp == null) {
                    tokenLps.addNull();
                    tops.addNull();
                    continue;
                }
                tokenLps.add(clamp(plp.logprob()));
                ObjectNode top = tops.addObject();
                top.put(token(id, asIds), clamp(plp.logprob()));
                for (int k = 0; k < Math.min(sr.topLogprobs, plp.topIds().length); k++) {
                    String t = token(plp.topIds()[k], asIds);
                    if (!top.has(t)) top.put(t, clamp(plp.topLogprobs()[k]));
                }
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
            if (n.get(0).isNumber()) {
                out.add(idPrompt(n, "prompt"));
            } else {
                if (n.size() > 256) throw ApiException.badRequest("prompt", "at most 256 prompts per request");
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
