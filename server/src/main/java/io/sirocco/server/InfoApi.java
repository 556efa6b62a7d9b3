package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.tokenizer.SpecialTokenPolicy;
import java.util.List;

/** /health, /version, /metrics, /v1/models, /tokenize, /detokenize. */
final class InfoApi {
    static final String VERSION = versionString();

    private final Api api;

    InfoApi(Api api) {
        this.api = api;
    }

    void health(Exchange ex) {
        ex.send(200, null, "");
    }

    void version(Exchange ex) {
        ex.json(200, Json.object().put("version", VERSION));
    }

    void metrics(Exchange ex) {
        ex.send(200, "text/plain; version=0.0.4; charset=utf-8", api.metrics.scrape());
    }

    /** vLLM's ModelCard list, one card per served name. */
    void models(Exchange ex) {
        ObjectNode o = Json.object().put("object", "list");
        ArrayNode data = o.putArray("data");
        for (String name : api.modelNames) {
            ObjectNode card = data.addObject();
            card.put("id", name).put("object", "model").put("created", api.createdAt).put("owned_by", "sirocco")
                    .put("root", api.modelRoot).putNull("parent").put("max_model_len", api.maxModelLen);
            ObjectNode perm = card.putArray("permission").addObject();
            perm.put("id", "modelperm-" + Ids.hex(16)).put("object", "model_permission").put("created", api.createdAt)
                    .put("allow_create_engine", false).put("allow_sampling", true).put("allow_logprobs", true)
                    .put("allow_search_indices", false).put("allow_view", true).put("allow_fine_tuning", false)
                    .put("organization", "*").putNull("group").put("is_blocking", false);
        }
        ex.json(200, o);
    }

    /** Completion form {prompt, add_special_tokens=true} or chat form {messages, tools?, ...}. */
    void tokenize(Exchange ex, ChatApi chat) {
        ObjectNode body = Json.parseObject(ex.body());
        api.checkModel(body);
        Params p = new Params(body);
        int[] ids;
        if (p.has("messages")) {
            ids = chat.promptTokens(body);
        } else {
            JsonNode prompt = p.node("prompt");
            if (prompt == null) throw ApiException.badRequest("prompt", "either 'prompt' or 'messages' is required");
            if (!prompt.isTextual()) throw ApiException.badRequest("prompt", "'prompt' must be a string");
            ids = Prompts.encodeText(api.tokenizer, prompt.textValue(), p.bool("add_special_tokens", true));
        }
        ObjectNode o = Json.object().put("count", ids.length).put("max_model_len", api.maxModelLen);
        ArrayNode toks = o.putArray("tokens");
        for (int id : ids) toks.add(id);
        if (p.bool("return_token_strs", false)) {
            ArrayNode strs = o.putArray("token_strs");
            for (int id : ids) strs.add(Prompts.tokenString(api.tokenizer, id));
        } else {
            o.putNull("token_strs");
        }
        ex.json(200, o);
    }

    void detokenize(Exchange ex) {
        ObjectNode body = Json.parseObject(ex.body());
        api.checkModel(body);
        Params p = new Params(body);
        if (!p.has("tokens")) throw ApiException.badRequest("tokens", "'tokens' is required");
        List<Integer> ids = p.intList("tokens", 0, api.vocab() - 1, Integer.MAX_VALUE);
        String text = api.tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), SpecialTokenPolicy.IGNORE);
        ex.json(200, Json.object().put("prompt", text));
    }

    private static String versionString() {
        String v = InfoApi.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
