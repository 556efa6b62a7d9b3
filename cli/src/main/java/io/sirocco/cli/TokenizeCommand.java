package io.sirocco.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.model.Model;
import io.sirocco.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Text (or chat requests) to token ids, one JSON line in, one JSON array out. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Read one JSON string per line on stdin (or -t TEXT) and print its token ids as a JSON array per line.")
final class TokenizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-t", "--text"}, paramLabel = "TEXT", description = "Tokenize this text instead of reading stdin.")
    String text;

    @Option(names = "--bos", description = "Put BOS first.")
    boolean bos;

    @Option(names = "--chat", description = "Each stdin line is an OpenAI-style chat request (messages, tools, tool_choice, "
            + "reasoning_effort); print the prompt's token ids as mistral-common encodes them, or {\"error\": ...}.")
    boolean chat;

    @Mixin
    ChatOptions chatOptions;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Model model = modelOptions.load()) {
            Tokenizer tok = model.tokenizer();
            ChatPrompts prompts = chat ? chatOptions.prompts(model) : null;
            if (text != null) {
                out.println(ids(tok, text));
                return 0;
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int failures = 0;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                try {
                    JsonNode node = JSON.readTree(line);
                    if (chat) out.println(Arrays.toString(prompts.encode(node).tokens()).replace(" ", ""));
                    else if (!node.isTextual()) throw new IllegalArgumentException("expected a JSON string, got " + node.getNodeType());
                    else out.println(ids(tok, node.asText()));
                } catch (Exception e) {
                    failures++;
                    out.println(JSON.writeValueAsString(JSON.createObjectNode().put("error", e.getMessage())));
                }
            }
            return failures == 0 ? 0 : 1;
        }
    }

    private String ids(Tokenizer tok, String s) {
        int[] ids = tok.encode(s);
        if (bos) {
            int[] b = new int[ids.length + 1];
            b[0] = tok.bosId();
            System.arraycopy(ids, 0, b, 1, ids.length);
            ids = b;
        }
        return Arrays.toString(ids).replace(" ", "");
    }
}
