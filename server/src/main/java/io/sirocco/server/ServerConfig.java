package io.sirocco.server;

import java.time.Duration;
import java.util.List;

/**
 * Everything the server needs besides the engine; the CLI maps its flags (named like vLLM's) onto this.
 *
 * @param host                 interface to bind ({@code --host}; "0.0.0.0" = all)
 * @param port                 TCP port ({@code --port}); 0 picks a free one, see {@link SiroccoServer#port()}
 * @param servedModelNames     {@code --served-model-name}: names clients may use; the first is reported. Empty = the
 *                             model directory/file name
 * @param apiKey               {@code --api-key}; null = env SIROCCO_API_KEY, then VLLM_API_KEY, else no auth
 * @param maxModelLen          {@code --max-model-len}: prompt + output cap in tokens; 0 = the model's context length
 * @param maxImagesPerPrompt   {@code --limit-mm-per-prompt image=N}
 * @param enableAutoToolChoice {@code --enable-auto-tool-choice}: allow tool_choice "auto" (the default when tools are sent)
 * @param toolCallParser       {@code --tool-call-parser}: "mistral" or null (then tool calls are not parsed out of the text)
 * @param reasoningParser      {@code --reasoning-parser}: "mistral" or null
 * @param chatTemplateVersion  overrides the tokenizer's instruct version ("v7", "v11", "v13", "v15"); null = the tokenizer's
 * @param samplingDefaults     request-level defaults; null = {@link SamplingDefaults#forModel} of the engine's model
 * @param maxLogprobs          largest logprobs / top_logprobs accepted ({@code --max-logprobs}, vLLM default 20)
 * @param maxPendingRequests   requests admitted at once (queued + running); more get 503
 * @param maxRequestBytes      request bodies larger than this get 413
 * @param maxImageBytes        largest image accepted, inline or fetched
 * @param imageFetchTimeout    time limit for fetching an http(s) image URL
 * @param allowImageUrls       whether http(s) image URLs are fetched at all (data URLs always work)
 */
public record ServerConfig(String host, int port, List<String> servedModelNames, String apiKey, int maxModelLen,
                           int maxImagesPerPrompt, boolean enableAutoToolChoice, String toolCallParser, String reasoningParser,
                           String chatTemplateVersion, SamplingDefaults samplingDefaults, int maxLogprobs, int maxPendingRequests,
                           long maxRequestBytes, long maxImageBytes, Duration imageFetchTimeout, boolean allowImageUrls) {

    public ServerConfig {
        servedModelNames = servedModelNames == null ? List.of() : List.copyOf(servedModelNames);
        if (host == null || host.isBlank()) host = "0.0.0.0";
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        if (maxModelLen < 0) throw new IllegalArgumentException("max-model-len must be ≥ 0, got " + maxModelLen);
        if (maxImagesPerPrompt < 0) throw new IllegalArgumentException("limit-mm-per-prompt image must be ≥ 0, got " + maxImagesPerPrompt);
        if (toolCallParser != null && !toolCallParser.equals("mistral"))
            throw new IllegalArgumentException("unsupported tool-call-parser '" + toolCallParser + "' (supported: mistral)");
        if (reasoningParser != null && !reasoningParser.equals("mistral"))
            throw new IllegalArgumentException("unsupported reasoning-parser '" + reasoningParser + "' (supported: mistral)");
        if (enableAutoToolChoice && toolCallParser == null)
            throw new IllegalArgumentException("enable-auto-tool-choice needs a tool-call-parser (mistral)");
        if (maxPendingRequests <= 0) throw new IllegalArgumentException("maxPendingRequests must be > 0");
        if (imageFetchTimeout == null) imageFetchTimeout = Duration.ofSeconds(10);
    }

    /** The defaults of {@code sirocco serve}: port 8000 on all interfaces, 10 images, Mistral tool and reasoning parsers off. */
    public static Builder builder() {
        return new Builder();
    }

    /** The API key in force: the configured one, else SIROCCO_API_KEY, else VLLM_API_KEY; null = no authentication. */
    public String effectiveApiKey() {
        if (apiKey != null && !apiKey.isEmpty()) return apiKey;
        for (String env : List.of("SIROCCO_API_KEY", "VLLM_API_KEY")) {
            String v = System.getenv(env);
            if (v != null && !v.isEmpty()) return v;
        }
        return null;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host; b.port = port; b.servedModelNames = servedModelNames; b.apiKey = apiKey; b.maxModelLen = maxModelLen;
        b.maxImagesPerPrompt = maxImagesPerPrompt; b.enableAutoToolChoice = enableAutoToolChoice; b.toolCallParser = toolCallParser;
        b.reasoningParser = reasoningParser; b.chatTemplateVersion = chatTemplateVersion; b.samplingDefaults = samplingDefaults;
        b.maxLogprobs = maxLogprobs; b.maxPendingRequests = maxPendingRequests; b.maxRequestBytes = maxRequestBytes;
        b.maxImageBytes = maxImageBytes; b.imageFetchTimeout = imageFetchTimeout; b.allowImageUrls = allowImageUrls;
        return b;
    }

    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = 8000;
        private List<String> servedModelNames = List.of();
        private String apiKey;
        private int maxModelLen;
        private int maxImagesPerPrompt = 10;
        private boolean enableAutoToolChoice;
        private String toolCallParser;
        private String reasoningParser;
        private String chatTemplateVersion;
        private SamplingDefaults samplingDefaults;
        private int maxLogprobs = 20;
        private int maxPendingRequests = 1024;
        private long maxRequestBytes = 64L << 20;
        private long maxImageBytes = 20L << 20;
        private Duration imageFetchTimeout = Duration.ofSeconds(10);
        private boolean allowImageUrls = true;

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder servedModelNames(List<String> v) { servedModelNames = v; return this; }
        public Builder apiKey(String v) { apiKey = v; return this; }
        public Builder maxModelLen(int v) { maxModelLen = v; return this; }
        public Builder maxImagesPerPrompt(int v) { maxImagesPerPrompt = v; return this; }
        public Builder enableAutoToolChoice(boolean v) { enableAutoToolChoice = v; return this; }
        public Builder toolCallParser(String v) { toolCallParser = v; return this; }
        public Builder reasoningParser(String v) { reasoningParser = v; return this; }
        public Builder chatTemplateVersion(String v) { chatTemplateVersion = v; return this; }
        public Builder samplingDefaults(SamplingDefaults v) { samplingDefaults = v; return this; }
        public Builder maxLogprobs(int v) { maxLogprobs = v; return this; }
        public Builder maxPendingRequests(int v) { maxPendingRequests = v; return this; }
        public Builder maxRequestBytes(long v) { maxRequestBytes = v; return this; }
        public Builder maxImageBytes(long v) { maxImageBytes = v; return this; }
        public Builder imageFetchTimeout(Duration v) { imageFetchTimeout = v; return this; }
        public Builder allowImageUrls(boolean v) { allowImageUrls = v; return this; }

        public ServerConfig build() {
            return new ServerConfig(host, port, servedModelNames, apiKey, maxModelLen, maxImagesPerPrompt, enableAutoToolChoice,
                    toolCallParser, reasoningParser, chatTemplateVersion, samplingDefaults, maxLogprobs, maxPendingRequests,
                    maxRequestBytes, maxImageBytes, imageFetchTimeout, allowImageUrls);
        }
    }
}
