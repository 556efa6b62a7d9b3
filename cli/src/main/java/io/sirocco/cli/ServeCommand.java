package io.sirocco.cli;

import io.sirocco.engine.BatchingEngine;
import io.sirocco.engine.EngineConfig;
import io.sirocco.engine.Generator;
import io.sirocco.engine.KvType;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.SamplingParams;
import io.sirocco.server.ImageEmbedder;
import io.sirocco.server.SamplingDefaults;
import io.sirocco.server.ServerConfig;
import io.sirocco.server.SiroccoServer;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.KernelWarmUp;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
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

    @Option(names = "--warmup", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Before listening, run the kernels on small matrices and the model on a 4-token prompt, so that the JIT "
                    + "has compiled them when the first request comes (default: on; --no-warmup as in llama.cpp's server).")
    boolean warmup = true;

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
            if (warmup) {
                long t0 = System.nanoTime();
                warmUp(model, pool);
                System.err.printf(Locale.ROOT, "sirocco: warm-up (kernels, then a 4-token prompt and 2 tokens) took %.2f s%n", (System.nanoTime() - t0) / 1e9);
            }
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

    /**
     * The kernels of the model's weight types at every token count that picks a path ({@link KernelWarmUp}), then a
     * 4-token prompt and two decode steps through the model on a cache of their own. Without it a cold server's first
     * request ran in the interpreter while C2 compiled (Q4_K_M bench file, 48-character prompt: 4.3–6.5 s, then 0.5 s;
     * after a warm-up of 7–10 s, 1.0–1.4 s).
     */
    static void warmUp(Model model, WorkerPool pool) {
        KernelWarmUp.run(model.tensors().stream().map(Tensor::type).toList(), pool);
        int[] text = model.tokenizer().encode("The quick brown fox jumps over the lazy dog. ");
        int[] ids = new int[4];  // the kernels are warm: this is for the model's own code (attention, norms, sampling)
        ids[0] = model.tokenizer().bosId();
        for (int i = 1; i < ids.length; i++) ids[i] = text.length > 0 ? text[(i - 1) % text.length] : ids[0];
        new Generator(model, pool).generate(ids, SamplingParams.greedy(2).withIgnoreEos(true), s -> true);
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
