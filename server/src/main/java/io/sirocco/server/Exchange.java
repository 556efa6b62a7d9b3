package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One HTTP request and its response. Handlers run on a virtual thread and may block; Vert.x forwards the writes to the
 * connection's event loop. When the client goes away, the close hooks run at once (Netty sees the closed socket even
 * while nothing is being written), which is how a disconnect cancels the engine request.
 */
final class Exchange {
    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final byte[] body;
    private final List<Runnable> closeHooks = new CopyOnWriteArrayList<>();
    private volatile boolean gone;
    private boolean streaming;

    /** Must be created on the request's event loop, before the body is read. */
    Exchange(HttpServerRequest request, byte[] body) {
        this.request = request;
        this.response = request.response();
        this.body = body;
        response.closeHandler(v -> {
            gone = true;
            for (Runnable r : closeHooks) r.run();
        });
    }

    HttpServerRequest request() {
        return request;
    }

    byte[] body() {
        return body;
    }

    boolean isGone() {
        return gone;
    }

    /** Runs {@code hook} when the client disconnects before the response is complete (at once if it already did). */
    void onClose(Runnable hook) {
        closeHooks.add(hook);
        if (gone) hook.run();
    }

    boolean isStreaming() {
        return streaming;
    }

    void json(int status, JsonNode node) {
        send(status, "application/json", Json.write(node));
    }

    void send(int status, String contentType, String text) {
        if (gone || response.ended()) return;
        response.setStatusCode(status);
        if (contentType != null) response.putHeader("Content-Type", contentType);
        response.end(text);
    }

    /** An error before the response started: {@code {"error": {...}}} with its status; inside a stream, an error event. */
    void error(ApiException e) {
        ObjectNode err = errorBody(e);
        if (streaming) {
            sse(err);
            sseDone();
        } else {
            json(e.status(), err);
        }
    }

    static ObjectNode errorBody(ApiException e) {
        ObjectNode o = Json.object();
        ObjectNode inner = o.putObject("error");
        inner.put("message", e.getMessage());
        inner.put("type", e.type());
        inner.put("param", e.param());
        inner.put("code", e.status());
        return o;
    }

    /** Starts a Server-Sent Events response (200, text/event-stream). */
    void sseStart() {
        streaming = true;
        if (gone) return;
        response.setStatusCode(200);
        response.putHeader("Content-Type", "text/event-stream; charset=utf-8");
        response.putHeader("Cache-Control", "no-cache");
        response.setChunked(true);
    }

    void sse(JsonNode event) {
        if (gone || response.ended()) return;
        response.write("data: " + Json.write(event) + "\n\n");
    }

    void sseDone() {
        if (gone || response.ended()) return;
        response.end("data: [DONE]\n\n");
    }
}
