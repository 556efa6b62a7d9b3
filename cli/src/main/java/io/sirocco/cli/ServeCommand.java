package io.sirocco.cli;

import io.sirocco.engine.BatchingEngine;
import io.sirocco.engine.EngineConfig;
import io.sirocco.engine.KvType;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.server.ImageEmbedder;
import io.sirocco.server.SamplingDefaults;
import io.sirocco.server.ServerConfig;
import io.sirocco.server.SiroccoServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The OpenAI-compatible server, with vLLM's flag names. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve the model with an OpenAI-compatible API (as `vllm serve`).")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--host", defaultValue = "0.0.0.0")
    String host;

    @Option(names = "--port", defaultValue = "8000")
    int port;

    @Option(names = "--served-model-name", split = ",", description = "Name(s) clients use in \"model\" (default: the model path).")
    List<String> servedModelNames;

    @Option(names = "--api-key", description = "Require Authorization: Bearer KEY on /v1/* (also from SIROCCO_API_KEY or VLLM_API_KEY).")
    String apiKey;

    @Option(names = "--max-model-len", defaultValue = "0", description = "Context length (default: the model's).")
    int maxModelLen;

    @Option(names = "--limit-mm-per-prompt", defaultValue = "image=10", paramLabel = "image=N", description = "Images per prompt (default: ${DEFAULT-VALUE}).")
    String limitMm;

    @Option(names = "--enable-auto-tool-choice", description = "Let the model decide to call tools (tool_choice auto).")
    boolean autoToolChoice;

    @Option(names = "--tool-call-parser", paramLabel = "mistral")
    String toolCallParser;

    @Option(names = "--reasoning-parser", paramLabel = "mistral")
    String reasoningParser;

    @Option(names = {"--tokenizer-mode", "--config-format", "--load-format"}, paramLabel = "mistral",
            description = "Accepted for vLLM compatibility (Sirocco always reads Mistral formats natively).")
    List<String> compatibility;

    @Option(names = "--chat-template-version", paramLabel = "vN", description = "Encode chats as this tokenizer version.")
    String chatTemplateVersion;

    @Option(names = "--max-num-seqs", defaultValue = "16", description = "Sequences in flight (default: ${DEFAULT-VALUE}).")
    int maxNumSeqs;

    @Option(names = "--max-num-batched-tokens", defaultValue = "512", description = "Tokens per forward step (default: ${DEFAULT-VALUE}).")
    int maxNumBatchedTokens;

    @Option(names = "--kv-cache-memory", defaultValue = "1073741824", paramLabel = "BYTES", description = "KV cache budget (default: 1 GiB).")
    long kvBytes;

    @Option(names = "--kv-cache-dtype", defaultValue = "F16", description = "F32, F16, BF16 or Q8_0 (default: ${DEFAULT-VALUE}).")
    KvType kvType;

    @Option(names = "--no-enable-prefix-caching", description = "Turn prefix caching off.")
    boolean noPrefixCaching;

    @Option(names = "--max-image-tokens", defaultValue = "16384", description = "[IMG] tokens one request may bring (default: ${DEFAULT-VALUE}).")
    int maxImageTokens;

    /** What {@link #start} brings up, closed in reverse order. */
    record Running(SiroccoServer server, BatchingEngine engine, WorkerPool pool, Model model) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            engine.close();
            pool.close();
            model.close();
        }
    }

    @Override
    public Integer call() throws Exception {
        Running running = start();
        System.err.println("sirocco: serving " + running.server().modelName() + " on http://" + host + ":" + running.server().port() + "/v1");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    /** Loads the model, starts the batching engine and the HTTP server; nothing is left running if a step fails. */
    Running start() {
        if (compatibility != null)
            for (String c : compatibility)
                if (!c.equals("mistral") && !c.equals("auto"))
                    throw new IllegalArgumentException("--tokenizer-mode/--config-format/--load-format accept mistral or auto, got " + c);
        ServerConfig.Builder config = ServerConfig.builder().host(host).port(port)
                .servedModelNames(servedModelNames == null ? List.of() : servedModelNames).apiKey(apiKey).maxModelLen(maxModelLen)
                .maxImagesPerPrompt(imageLimit(limitMm)).maxImageTokens(maxImageTokens).enableAutoToolChoice(autoToolChoice)
                .toolCallParser(toolCallParser).reasoningParser(reasoningParser).chatTemplateVersion(chatTemplateVersion);
        config.build();  // flag errors before the model is loaded
        Model model = modelOptions.loadForDecode();
        WorkerPool pool = null;
        BatchingEngine engine = null;
        try {
            pool = modelOptions.pool();
            engine = new BatchingEngine(model, pool, new EngineConfig(maxNumSeqs, maxNumBatchedTokens, 16, 0, kvBytes, kvType, !noPrefixCaching,
                    Duration.ofSeconds(30)));
            // Images go through the model's Pixtral encoder (its own weights or --mmproj); a text-only model refuses them (400).
            WorkerPool p = pool;
            ImageEmbedder images = model.vision().<ImageEmbedder>map(enc -> img -> enc.encode(List.of(img), p).getFirst()).orElse(null);
            SiroccoServer server = SiroccoServer.start(config.samplingDefaults(SamplingDefaults.forModel(model.source())).build(), engine,
                    images, SiroccoServer.mistralGrammar());
            return new Running(server, engine, pool, model);
        } catch (RuntimeException e) {
            if (engine != null) engine.close();
            if (pool != null) pool.close();
            model.close();
            throw e;
        }
    }

    /** "image=N" → N. */
    static int imageLimit(String spec) {
        for (String part : spec.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length == 2 && kv[0].strip().equals("image")) {
                try {
                    return Integer.parseInt(kv[1].strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--limit-mm-per-prompt: not a number: " + kv[1]);
                }
            }
        }
        throw new IllegalArgumentException("--limit-mm-per-prompt expects image=N, got " + spec);
    }
}
