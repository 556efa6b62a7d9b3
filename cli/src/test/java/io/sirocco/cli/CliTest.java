package io.sirocco.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.testing.GoldenGeneration;
import io.sirocco.testing.TestData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The commands end to end, in-process, on the shared synthetic model. */
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int exit, String out, String err) {}

    private static Run run(String stdin, String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            CommandLine cl = Main.commandLine();
            cl.setErr(new java.io.PrintWriter(System.err, true));
            int code = cl.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
    }

    @Test
    void generateJsonReproducesTheGreedyGolden() throws Exception {
        JsonNode prompt = GoldenGeneration.prompts(TestData.file("mistral-tiny/generation.json")).getFirst();
        String ids = Arrays.stream(GoldenGeneration.ints(prompt.get("prompt_ids"))).mapToObj(Integer::toString).collect(Collectors.joining(","));
        Run r = run("", "generate", TestData.file("mistral-tiny/native").toString(), "--prompt-ids", ids, "-n", "8", "--ignore-eos",
                "--top-logprobs", "5", "--json", "--threads", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode o = JSON.readTree(r.out());
        for (int t = 0; t < 8; t++) {
            JsonNode g = prompt.get("steps").get(t);
            assertThat(o.get("generated_ids").get(t).asInt()).isEqualTo(g.get("id").asInt());
            assertThat(o.get("steps").get(t).get("top").get(0).get(1).asDouble()).isCloseTo(g.get("logprob").asDouble(),
                    org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(o.get("steps").get(0).get("top")).hasSize(5);
    }

    @Test
    void tokenizeTextAndChatLines() {
        String model = TestData.file("mistral-tiny/native").toString();
        Run r = run("\"Hello [INST] world\"\n42\n", "tokenize", model);
        String[] lines = r.out().strip().split("\n");
        assertThat(lines[0]).isEqualTo("[1072,5525,1766,3174,3074,1093,4304]");
        assertThat(lines[1]).contains("\"error\"");
        assertThat(r.exit()).isEqualTo(1);

        Run chat = run("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}\n{\"messages\":[]}\n", "tokenize", model, "--chat");
        String[] chatLines = chat.out().strip().split("\n");
        assertThat(chatLines[0]).startsWith("[1,3,").endsWith(",4]");
        assertThat(chatLines[1]).contains("error");
    }

    @Test
    void infoDescribesTheModel() {
        Run r = run("", "info", TestData.file("mistral-q256/gguf/synth-mistral-small-3.2-q256-mistral3-Q4_K_M.gguf").toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("dim 256, layers 2, heads 8 (kv 2), head_dim 128").contains("Q4_K").contains("Q6_K").contains("context:");
    }

    @Test
    void aBadModelPathIsOneClearLine() {
        Run r = run("", "generate", "/nonexistent/model.gguf", "-p", "hi");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("sirocco: /nonexistent/model.gguf: no such file");
    }
}
