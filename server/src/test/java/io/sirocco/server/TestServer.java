package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.model.Model;
import io.sirocco.testing.TestData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Shared fixtures: the tiny synthetic model (loaded once) and a small HTTP client. */
final class TestServer {
    private static Model tiny;

    static synchronized Model tinyModel() {
        if (tiny == null) tiny = Model.load(TestData.file("mistral-tiny/native"));
        return tiny;
    }

    static ServerConfig.Builder config() {
        return ServerConfig.builder().host("127.0.0.1").port(0).servedModelNames(java.util.List.of("tiny"));
    }

    /** Minimal client: JSON in, status + parsed JSON (or raw text) out. */
    record Response(int status, String body, java.net.http.HttpHeaders headers) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Response post(int port, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    static Response get(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20)).GET().build());
    }

    static Response send(HttpRequest req) {
        try {
            HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
