package io.sirocco.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.engine.PromptLogprob;
import java.util.List;
import java.util.function.IntFunction;

/** vLLM's prompt_logprobs: one entry per prompt token, null for the first, else {id: {logprob, rank, decoded_token}}. */
final class PromptLogprobsJson {
    private PromptLogprobsJson() {}

    /** The prompt token itself, then its top {@code k} alternatives (ranks 1..k), as vLLM. */
    static ArrayNode of(List<PromptLogprob> lps, int k, IntFunction<String> decoded) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        out.addNull();
        for (PromptLogprob lp : lps) {
            ObjectNode e = out.addObject();
            put(e, lp.id(), lp.logprob(), lp.rank(), decoded);
            for (int j = 0; j < Math.min(k, lp.topIds().length); j++)
                if (!e.has(Integer.toString(lp.topIds()[j]))) put(e, lp.topIds()[j], lp.topLogprobs()[j], j + 1, decoded);
        }
        return out;
    }

    private static void put(ObjectNode e, int id, float logprob, int rank, IntFunction<String> decoded) {
        e.putObject(Integer.toString(id)).put("logprob", CompletionsApi.clamp(logprob)).put("rank", rank).put("decoded_token", decoded.apply(id));
    }
}
