package io.sirocco.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.Generator;
import io.sirocco.engine.Step;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.SamplingParams;
import io.sirocco.tokenizer.SpecialTokenPolicy;
import io.sirocco.tokenizer.StreamingDecoder;
import io.sirocco.tokenizer.Tokenizer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** One-shot generation with streaming output. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a continuation of a prompt, streaming it to stdout.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Prompt text (BOS is added; see --no-bos).")
    String prompt;

    @Option(names = "--prompt-ids", split = ",", paramLabel = "IDS", description = "Prompt as token ids, e.g. 1,3,1010 (used as given).")
    int[] promptIds;

    @Option(names = "--no-bos", description = "Do not put BOS before a text prompt.")
    boolean noBos;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "0 = off.")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "1 = off.")
    float topP;

    @Option(names = "--min-p", defaultValue = "0", description = "0 = off.")
    float minP;

    @Option(names = "--seed", description = "Seed for sampling (reproducible output).")
    Long seed;

    @Option(names = "--top-logprobs", defaultValue = "0", paramLabel = "K", description = "Report the K most likely tokens per step (with --json).")
    int topLogprobs;

    @Option(names = "--ignore-eos", description = "Keep generating past EOS.")
    boolean ignoreEos;

    @Option(names = "--json", description = "Print one JSON object (prompt ids, generated ids, text, per-step top-K ids and logprobs) instead of streaming.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((prompt == null) == (promptIds == null)) {
            if (prompt == null && modelOptions.model == null) prompt = "Once upon a time";  // the demo's default
            else throw new IllegalArgumentException("give exactly one of -p/--prompt or --prompt-ids");
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Model model = modelOptions.loadForDecode(); WorkerPool pool = modelOptions.pool()) {
            Tokenizer tok = model.tokenizer();
            int[] ids = promptIds != null ? promptIds : withBos(tok, tok.encode(prompt));
            SamplingParams params = new SamplingParams(temperature, topK, topP, minP, seed, maxTokens, Set.of(), ignoreEos, topLogprobs, 0f, 0f, 1f);
            StreamingDecoder dec = tok.streamingDecoder(SpecialTokenPolicy.IGNORE);
            GenerationResult r = new Generator(model, pool).generate(ids, params, step -> {
                if (!json) out.print(dec.push(step.id()));
                return true;
            });
            if (json) {
                out.println(toJson(ids, r, tok));
            } else {
                out.println(dec.flush());
                System.err.printf("prompt: %d tokens, %.2f tokens/s | generation: %d tokens, %.2f tokens/s | finish: %s%n", ids.length,
                        r.prefillTokensPerSecond(), r.steps().size(), r.decodeTokensPerSecond(), r.finishReason().openAi());
            }
        }
        return 0;
    }

    private int[] withBos(Tokenizer tok, int[] text) {
        if (noBos) return text;
        int[] ids = new int[text.length + 1];
        ids[0] = tok.bosId();
        System.arraycopy(text, 0, ids, 1, text.length);
        return ids;
    }

    private static String toJson(int[] prompt, GenerationResult r, Tokenizer tok) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        ArrayNode p = o.putArray("prompt_ids");
        Arrays.stream(prompt).forEach(p::add);
        ArrayNode g = o.putArray("generated_ids");
        Arrays.stream(r.ids()).forEach(g::add);
        o.put("text", tok.decode(r.ids(), SpecialTokenPolicy.IGNORE));
        o.put("finish_reason", r.finishReason().openAi());
        ArrayNode steps = o.putArray("steps");
        for (Step s : r.steps()) {
            ObjectNode so = steps.addObject();
            so.put("id", s.id());
            so.put("logprob", s.logprob());
            ArrayNode top = so.putArray("top");
            for (int i = 0; i < s.topIds().length; i++) top.addArray().add(s.topIds()[i]).add(s.topLogprobs()[i]);
        }
        ObjectNode timing = o.putObject("timing");
        timing.put("prompt_tokens_per_second", r.prefillTokensPerSecond());
        timing.put("generation_tokens_per_second", r.decodeTokensPerSecond());
        return m.writeValueAsString(o);
    }
}
