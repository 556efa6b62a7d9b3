package io.sirocco.server;

import io.vertx.core.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Path → endpoint, the API-key check (on /v1/* only, as vLLM), and the mapping of failures to OpenAI error JSON. */
final class Routes {
    private static final Logger log = LoggerFactory.getLogger(Routes.class);

    private final Api api;
    private final InfoApi info;
    private final CompletionsApi completions;
    private final ChatApi chat;

    Routes(Api api) {
        this.api = api;
        this.info = new InfoApi(api);
        this.completions = new CompletionsApi(api);
        this.chat = new ChatApi(api);
    }

    /** Runs on a virtual thread; never throws. */
    void handle(Exchange ex) {
        try {
            dispatch(ex);
        } catch (ApiException e) {
            ex.error(e);
        } catch (IllegalArgumentException e) {  // a value the engine or a library refused
            ex.error(ApiException.badRequest(null, e.getMessage()));
        } catch (Throwable t) {
            log.error("internal error on {} {}", ex.request().method(), ex.request().path(), t);
            ex.error(new ApiException(500, "InternalServerError", "internal error: " + t, null));
        }
    }

    private void dispatch(Exchange ex) throws Exception {
        String path = ex.request().path();
        HttpMethod m = ex.request().method();
        if (path.startsWith("/v1/") || path.equals("/v1")) checkKey(ex);
        switch (path) {
            case "/health" -> only(m, HttpMethod.GET, () -> info.health(ex));
            case "/ping" -> info.health(ex);
            case "/version" -> only(m, HttpMethod.GET, () -> info.version(ex));
            case "/metrics" -> only(m, HttpMethod.GET, () -> info.metrics(ex));
            case "/v1/models" -> only(m, HttpMethod.GET, () -> info.models(ex));
            case "/tokenize" -> only(m, HttpMethod.POST, () -> info.tokenize(ex, chat));
            case "/detokenize" -> only(m, HttpMethod.POST, () -> info.detokenize(ex));
            case "/v1/completions" -> only(m, HttpMethod.POST, () -> completions.handle(ex));
            case "/v1/chat/completions" -> only(m, HttpMethod.POST, () -> chat.handle(ex));
            default -> throw new ApiException(404, "NotFoundError", "Not Found: " + m + " " + path, null);
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void only(HttpMethod actual, HttpMethod expected, Body body) throws Exception {
        if (actual != expected) throw new ApiException(405, "MethodNotAllowed", "Method Not Allowed: use " + expected, null);
        body.run();
    }

    private void checkKey(Exchange ex) {
        if (api.apiKey == null) return;
        String h = ex.request().getHeader("Authorization");
        byte[] expected = ("Bearer " + api.apiKey).getBytes(StandardCharsets.UTF_8);
        if (h == null || !MessageDigest.isEqual(expected, h.getBytes(StandardCharsets.UTF_8)))
            throw new ApiException(401, "AuthenticationError", "Unauthorized: a valid API key is required (Authorization: Bearer <key>).", null);
    }
}
