package io.sirocco.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.engine.Engine;
import io.sirocco.model.Model;
import io.sirocco.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** What every endpoint needs: the configuration, the engine and facts derived once from its model. */
final class Api {
    /** Used when neither --max-model-len nor the model gives a context length. */
    static final int FALLBACK_CONTEXT = 32768;

    final ServerConfig config;
    final Engine engine;
    final Tokenizer tokenizer;
    final List<String> modelNames;
    final String modelRoot;
    final int maxModelLen;
    final SamplingDefaults defaults;
    final Metrics metrics;
    final String apiKey;
    final long createdAt = System.currentTimeMillis() / 1000;
    private final AtomicInteger pending = new AtomicInteger();

    final ImageEmbedder imageEmbedder;
    final StructuredOutputs structuredOutputs;

    Api(ServerConfig config, Engine engine, ImageEmbedder imageEmbedder, StructuredOutputs structuredOutputs) {
        this.config = config;
        this.imageEmbedder = imageEmbedder;
        this.structuredOutputs = structuredOutputs;
        this.engine = engine;
        Model model = engine.model();
        this.tokenizer = model.tokenizer();
        Path source = model.source();
        this.modelRoot = source == null ? "model" : source.toString();
        String base = source == null || source.getFileName() == null ? "model" : source.getFileName().toString();
        this.modelNames = config.servedModelNames().isEmpty() ? List.of(base) : config.servedModelNames();
        int ctx = model.config().contextLength();
        this.maxModelLen = config.maxModelLen() > 0 ? config.maxModelLen() : ctx > 0 ? ctx : FALLBACK_CONTEXT;
        this.defaults = config.samplingDefaults() != null ? config.samplingDefaults() : SamplingDefaults.forModel(source);
        this.metrics = new Metrics(engine, modelNames.get(0), maxModelLen);
        this.apiKey = config.effectiveApiKey();
    }

    String modelName() {
        return modelNames.get(0);
    }

    int vocab() {
        return tokenizer.vocabSize();
    }

    /** Checks the request's optional "model" field against the served names (404 as vLLM when unknown). */
    void checkModel(ObjectNode body) {
        var m = body.get("model");
        if (m == null || m.isNull()) return;
        if (!m.isTextual()) throw ApiException.badRequest("model", "'model' must be a string");
        if (!modelNames.contains(m.textValue())) throw ApiException.notFound("The model `" + m.textValue() + "` does not exist.");
    }

    /** Admits one generation request, or 503 when {@link ServerConfig#maxPendingRequests()} are already in flight. */
    AutoCloseable admit() {
        if (pending.incrementAndGet() > config.maxPendingRequests()) {
            pending.decrementAndGet();
            throw new ApiException(503, "ServiceUnavailableError", "The server is overloaded: " + config.maxPendingRequests()
                    + " requests are already in flight. Retry later.", null);
        }
        return pending::decrementAndGet;
    }
}
