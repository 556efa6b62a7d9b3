package io.sirocco.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.chat.output.OutputEvent;
import io.sirocco.chat.output.OutputParser;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.Generator;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.SamplingParams;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.KernelWarmUp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A terminal chat: each line is a user turn, the answer streams back; the conversation is encoded as mistral-common does. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat in the terminal with streaming answers. Commands: /reset (new conversation), /exit.")
final class ChatCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ChatOptions chatOptions;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "512", description = "Tokens per answer at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.15", description = "Default ${DEFAULT-VALUE}, as the Mistral Small 3.2 card recommends.")
    float temperature;

    @Option(names = "--top-p", defaultValue = "1")
    float topP;

    @Option(names = "--seed")
    Long seed;

    @Option(names = "--reasoning-effort", paramLabel = "none|high", description = "Tokenizer v15 models (Mistral Small 4).")
    String reasoningEffort;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Model model = modelOptions.loadForDecode(); WorkerPool pool = modelOptions.pool()) {
            // While the user types the first message, one background thread runs the kernels so that C2 has compiled
            // them before the first reply (which would otherwise start in the interpreter); it stops at that message.
            AtomicBoolean replying = new AtomicBoolean();
            Thread warm = Thread.ofPlatform().name("sirocco-warm-up").daemon().start(() -> {
                try (WorkerPool one = new WorkerPool(1)) {
                    KernelWarmUp.run(model.tensors().stream().map(Tensor::type).toList(), one, replying::get);
                } catch (RuntimeException e) {
                    // a warm-up that fails changes nothing but the first reply's speed
                }
            });
            ChatPrompts prompts = chatOptions.prompts(model);
            Generator generator = new Generator(model, pool);
            ArrayNode messages = JSON.createArrayNode();
            SamplingParams params = new SamplingParams(temperature, 0, topP, 0f, seed, maxTokens, Set.of(), false, 0, 0f, 0f, 1f);
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) break;
                if (line.strip().equals("/reset")) {
                    messages.removeAll();
                    continue;
                }
                if (line.isBlank()) continue;
                replying.set(true);
                warm.join();  // it stops after the call in hand: off the cores before the reply starts
                messages.addObject().put("role", "user").put("content", line);
                ObjectNode request = JSON.createObjectNode();
                request.set("messages", messages);
                if (reasoningEffort != null) request.put("reasoning_effort", reasoningEffort);
                int[] prompt;
                try {
                    prompt = prompts.encode(request).tokens();
                } catch (IllegalArgumentException e) {
                    out.println("error: " + e.getMessage());
                    messages.remove(messages.size() - 1);
                    continue;
                }
                OutputParser parser = new OutputParser(model.tokenizer());
                GenerationResult r = generator.generate(prompt, params, step -> {
                    if (step.id() != model.config().eosId()) print(out, parser.push(step.id()));
                    return true;
                });
                print(out, parser.finish());
                out.println();
                String content = parser.result().content();
                messages.addObject().put("role", "assistant").put("content", content == null || content.isEmpty() ? " " : content);
                System.err.printf("[%d prompt tokens, %.1f tokens/s | %d tokens, %.1f tokens/s]%n", prompt.length,
                        r.prefillTokensPerSecond(), r.steps().size(), r.decodeTokensPerSecond());
            }
        }
        return 0;
    }

    private static void print(PrintStream out, java.util.List<OutputEvent> events) {
        for (OutputEvent e : events) {
            switch (e) {
                case OutputEvent.Content c -> out.print(c.text());
                case OutputEvent.Reasoning r -> out.print("\u001b[2m" + r.text() + "\u001b[0m");
                case OutputEvent.ToolCallStart t -> out.print("\n[tool call " + t.name() + "] ");
                case OutputEvent.ToolCallArguments a -> out.print(a.text());
            }
        }
        out.flush();
    }
}
