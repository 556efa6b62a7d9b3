package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.sample.LogitsProcessor;
import io.sirocco.sample.SamplingParams;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sampling fields shared by /v1/chat/completions and /v1/completions, validated. Values the request leaves out come
 * from the model's generation defaults, then from the OpenAI defaults (temperature 1, top_p 1, ...).
 */
final class SamplingRequest {
    static final int MAX_N = 16;

    final int n;
    /** max_tokens / max_completion_tokens as sent; null = not sent. */
    final Integer maxTokens;
    final List<String> stop;
    final boolean includeStop;
    final Set<Integer> stopTokenIds;
    final boolean ignoreEos;
    final int minTokens;
    final Map<Integer, Float> logitBias;
    final float temperature;
    final float topP;
    final int topK;
    final float minP;
    final float presence;
    final float frequency;
    final float repetition;
    final Long seed;
    /** Number of alternatives per token to report; -1 = no logprobs at all. */
    int topLogprobs = -1;

    SamplingRequest(Params p, SamplingDefaults d, int vocab, String maxTokensField) {
        n = (int) orDefault(p.integer("n", 1, MAX_N), 1);
        Long mt = p.integer(maxTokensField, 1, Integer.MAX_VALUE);
        maxTokens = mt == null ? null : mt.intValue();
        stop = p.stringOrList("stop", 64);
        includeStop = p.bool("include_stop_str_in_output", false);
        stopTokenIds = new LinkedHashSet<>(p.intList("stop_token_ids", 0, vocab - 1, 1024));
        ignoreEos = p.bool("ignore_eos", false);
        minTokens = (int) orDefault(p.integer("min_tokens", 0, Integer.MAX_VALUE), 0);
        logitBias = logitBias(p, vocab);
        temperature = (float) orDefault(p.number("temperature", 0, 100), d.temperature(), 1.0);
        topP = (float) orDefault(p.number("top_p", 0, 1), d.topP(), 1.0);
        if (!(topP > 0)) throw ApiException.badRequest("top_p", "'top_p' must be in (0, 1], got " + topP);
        Long k = p.integer("top_k", -1, Integer.MAX_VALUE);
        topK = k != null ? k.intValue() : d.topK() != null ? d.topK() : 0;
        minP = (float) orDefault(p.number("min_p", 0, 1), d.minP(), 0.0);
        presence = (float) orDefault(p.number("presence_penalty", -2, 2), null, 0.0);
        frequency = (float) orDefault(p.number("frequency_penalty", -2, 2), null, 0.0);
        repetition = (float) orDefault(p.number("repetition_penalty", 0, 100), d.repetitionPenalty(), 1.0);
        if (!(repetition > 0)) throw ApiException.badRequest("repetition_penalty", "'repetition_penalty' must be > 0");
        seed = p.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** The engine's parameters for choice {@code index} (its seed is seed + index, so that n samples differ). */
    SamplingParams params(int maxTokens, int index) {
        return new SamplingParams(temperature, topK <= 0 ? 0 : topK, topP, minP, seed == null ? null : seed + index, maxTokens,
                stopTokenIds, ignoreEos, Math.max(0, topLogprobs), presence, frequency, repetition);
    }

    /** Fresh (stateful) processors for one choice: logit_bias, min_tokens, then {@code grammar} (may be null). */
    LogitsProcessor processors(int eosId, LogitsProcessor grammar) {
        Set<Integer> banned = new HashSet<>(stopTokenIds);
        if (!ignoreEos) banned.add(eosId);
        return Processors.chain(java.util.Arrays.asList(Processors.logitBias(logitBias), Processors.minTokens(minTokens, banned), grammar));
    }

    /** Token ids whose text never shows: EOS (unless ignore_eos) and the stop token ids. */
    Set<Integer> silentIds(int eosId) {
        Set<Integer> s = new HashSet<>(stopTokenIds);
        if (!ignoreEos) s.add(eosId);
        return s;
    }

    /**
     * The output budget: the requested max_tokens (else the generation default, else {@code dflt}, else all the room
     * left), checked against the context like vLLM does.
     */
    int resolveMaxTokens(int promptTokens, int maxModelLen, Integer generationDefault, Integer dflt, String promptParam) {
        int room = maxModelLen - promptTokens;
        if (room <= 0)
            throw ApiException.badRequest(promptParam, "This model's maximum context length is " + maxModelLen + " tokens. However, your request has "
                    + promptTokens + " input tokens. Please reduce the length of the input messages.");
        if (maxTokens != null) {
            if ((long) promptTokens + maxTokens > maxModelLen)
                throw ApiException.badRequest(promptParam, "This model's maximum context length is " + maxModelLen + " tokens. However, you requested "
                        + ((long) promptTokens + maxTokens) + " tokens (" + promptTokens + " in the messages, " + maxTokens
                        + " in the completion). Please reduce the length of the messages or completion.");
            return maxTokens;
        }
        int m = generationDefault != null ? generationDefault : dflt != null ? dflt : room;
        return Math.max(1, Math.min(m, room));
    }

    private static Map<Integer, Float> logitBias(Params p, int vocab) {
        ObjectNode o = p.object("logit_bias");
        Map<Integer, Float> m = new HashMap<>();
        if (o == null) return m;
        for (var it = o.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw ApiException.badRequest("logit_bias", "'logit_bias' keys must be token ids, got '" + e.getKey() + "'");
            }
            if (id < 0 || id >= vocab) throw ApiException.badRequest("logit_bias", "token id " + id + " in 'logit_bias' is outside the vocabulary");
            JsonNode v = e.getValue();
            if (!v.isNumber() || !(Math.abs(v.doubleValue()) <= 100))
                throw ApiException.badRequest("logit_bias", "'logit_bias' values must be numbers in [-100, 100]");
            m.put(id, v.floatValue());
        }
        return m;
    }

    private static long orDefault(Long v, long d) {
        return v != null ? v : d;
    }

    private static double orDefault(Double v, Double modelDefault, double d) {
        return v != null ? v : modelDefault != null ? modelDefault : d;
    }
}
