package io.sirocco.sample.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.testing.TestData;
import io.sirocco.tokenizer.TekkenTokenizer;
import org.junit.jupiter.api.Test;

/**
 * Mask cost on the full 131072-id Tekken vocabulary: drives the processor along the tokens of a realistic tool
 * argument document and reports the time per step (first pass = cold matcher; later passes = new processors, JIT warm).
 */
class GrammarMaskBenchmarkTest {
    @Test
    void maskTimePerStepOnFullVocabulary() throws Exception {
        TekkenTokenizer tok = TekkenTokenizer.load(TestData.file("tekken/tekken.json"));
        long t0 = System.nanoTime();
        TokenTrie trie = TokenTrie.of(tok);
        long trieMs = (System.nanoTime() - t0) / 1_000_000;
        JsonNode schema = new ObjectMapper().readTree("{\"type\":\"object\",\"properties\":{"
                + "\"location\":{\"type\":\"string\",\"description\":\"City and country\"},"
                + "\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]},"
                + "\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":14},"
                + "\"details\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
                + "\"required\":[\"location\",\"unit\"],\"additionalProperties\":false}");
        String doc = "{\"location\": \"Paris, France — près de la Seine\", \"unit\": \"celsius\", \"days\": 14, "
                + "\"details\": [\"humidity\", \"wind speed\", \"UV index\"]}";
        int[] ids = tok.encode(doc);
        Grammar grammar = GrammarProcessors.jsonSchemaGrammar(schema);
        double coldMs = 0, warmMs = 0, maxWarm = 0;
        int passes = 3;
        for (int pass = 0; pass < passes; pass++) {
            GrammarLogitsProcessor p = GrammarProcessors.forGrammar(grammar, tok);
            float[] logits = new float[tok.vocabSize()];
            long total = 0;
            for (int id : ids) {
                java.util.Arrays.fill(logits, 0f);
                long s = System.nanoTime();
                p.process(logits, 0, logits.length);
                long dt = System.nanoTime() - s;
                total += dt;
                double ms = dt / 1e6;
                if (pass == passes - 1) maxWarm = Math.max(maxWarm, ms);
                assertThat(logits[id]).as("token %d \"%s\" allowed", id, new String(tok.tokenBytes(id))).isNotEqualTo(Float.NEGATIVE_INFINITY);
                p.accept(id);
                if (pass == passes - 1 && new String(tok.tokenBytes(id)).equals(" \"")) {
                    // Worst case: inside a free string nearly every token fits, so the whole trie is walked.
                    p.computeMask(p.state());
                    long best = Long.MAX_VALUE;
                    for (int r = 0; r < 20; r++) {
                        long w = System.nanoTime();
                        p.computeMask(p.state());
                        best = Math.min(best, System.nanoTime() - w);
                    }
                    if (best > 1_000_000) System.out.printf("uncached mask inside a string (whole trie walked): best of 20 %.2f ms%n", best / 1e6);
                }
            }
            assertThat(p.isComplete()).isTrue();
            double perStep = total / 1e6 / ids.length;
            if (pass == 0) coldMs = perStep;
            else warmMs = perStep;
            if (pass == passes - 1)
                System.out.printf("grammar mask, full Tekken (%d ids, trie %d nodes built in %d ms): %d steps, "
                                + "cold %.2f ms/step, warm %.2f ms/step (max %.2f ms), %d matcher states, %d masks computed in %.1f ms%n",
                        tok.vocabSize(), trie.nodeCount(), trieMs, ids.length, coldMs, warmMs, maxWarm, p.matcher().stateCount(),
                        p.maskComputations(), p.maskNanos() / 1e6);
        }
    }
}
