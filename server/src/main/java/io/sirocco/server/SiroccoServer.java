package io.sirocco.server;

import io.sirocco.engine.Engine;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible HTTP server (vLLM's endpoints and behaviour) in front of one {@link Engine}.
 *
 * <pre>{@code
 * SiroccoServer s = SiroccoServer.start(ServerConfig.builder().port(8000).build(), engine);
 * ...
 * s.stop();   // the engine stays open: its owner closes it
 * }</pre>
 */
public final class SiroccoServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SiroccoServer.class);

    private final Api api;
    private final Vertx vertx;
    private final HttpServer http;
    private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
    private final Routes routes;

    private SiroccoServer(ServerConfig config, Engine engine, ImageEmbedder images, StructuredOutputs structured) {
        this.api = new Api(config, engine, images, structured);
        this.routes = new Routes(api);
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors())));
        HttpServerOptions opts = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setCompressionSupported(false).setMaxInitialLineLength(16 * 1024).setMaxHeaderSize(64 * 1024)
                .setIdleTimeout(0);
        this.http = vertx.createHttpServer(opts).requestHandler(this::onRequest);
        try {
            http.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": " + rootMessage(e), e);
        }
        log.info("Serving {} on http://{}:{}", api.modelName(), config.host(), port());
    }

    /** Binds and starts serving; returns when the port is open. */
    public static SiroccoServer start(ServerConfig config, Engine engine) {
        return new SiroccoServer(config, engine, null, null);
    }

    /**
     * As {@link #start(ServerConfig, Engine)}, with the model's vision encoder (null = text only: images get 400) and
     * the structured-output grammar (null = tool_choice and response_format are not enforced while decoding).
     */
    public static SiroccoServer start(ServerConfig config, Engine engine, ImageEmbedder images, StructuredOutputs structured) {
        return new SiroccoServer(config, engine, images, structured);
    }

    /** The bound port (the real one when the configuration asked for 0). */
    public int port() {
        return http.actualPort();
    }

    /** The name reported in responses (the first served model name). */
    public String modelName() {
        return api.modelName();
    }

    /** Stops accepting connections, cancels what is in flight and frees the threads. Does not close the engine. */
    public void stop() {
        try {
            http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("closing the HTTP server: {}", rootMessage(e));
        }
        handlers.shutdownNow();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("closing Vert.x: {}", rootMessage(e));
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** On the event loop: size-limited body read, then the handler on a virtual thread. */
    private void onRequest(HttpServerRequest req) {
        long max = api.config.maxRequestBytes();
        String len = req.getHeader("Content-Length");
        if (len != null) {
            long n;
            try {
                n = Long.parseLong(len.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0 || n > max) {
                tooLarge(req, max);
                return;
            }
        }
        Buffer body = Buffer.buffer();
        boolean[] failed = {false};
        req.handler(chunk -> {
            if (failed[0]) return;
            if (body.length() + chunk.length() > max) {
                failed[0] = true;
                tooLarge(req, max);
                return;
            }
            body.appendBuffer(chunk);
        });
        req.exceptionHandler(e -> log.debug("request read failed: {}", e.toString()));
        req.endHandler(v -> {
            if (failed[0]) return;
            Exchange ex = new Exchange(req, body.getBytes());
            try {
                handlers.execute(() -> routes.handle(ex));
            } catch (Exception e) {  // shutting down
                ex.error(new ApiException(503, "ServiceUnavailableError", "the server is shutting down", null));
            }
        });
    }

    private static void tooLarge(HttpServerRequest req, long max) {
        var resp = req.response();
        if (resp.ended()) return;
        ApiException e = new ApiException(413, "RequestEntityTooLarge", "The request body is larger than " + max + " bytes.", null);
        // The rest of the body is not read: an HTTP/1 connection cannot be reused after that, so it is closed.
        boolean http1 = req.version() != io.vertx.core.http.HttpVersion.HTTP_2;
        resp.setStatusCode(413).putHeader("Content-Type", "application/json");
        if (http1) resp.putHeader("Connection", "close");
        resp.end(Json.write(Exchange.errorBody(e))).onComplete(x -> {
            if (http1) req.connection().close();
        });
    }

    static boolean isPost(HttpServerRequest r) {
        return r.method() == HttpMethod.POST;
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) e = e.getCause();
        return e.toString();
    }
}
