package io.sirocco.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.engine.GenerationResult;
import io.sirocco.engine.Generator;
import io.sirocco.engine.Step;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.SamplingParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Compares greedy generations with a golden file (testdata README §0 and §3) under the near-tie rule: top-5 logprobs
 * within τ at every step; the chosen id must match while the golden margin is ≥ 2τ; at the first near tie either of
 * the two tied tokens is accepted and the comparison of that prompt stops.
 */
public final class GoldenGeneration {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GoldenGeneration() {}

    /** The prompts of a golden file. */
    public static List<JsonNode> prompts(Path goldenFile) {
        List<JsonNode> out = new ArrayList<>();
        read(goldenFile).get("prompts").forEach(out::add);
        return out;
    }

    /** A golden file as a whole (its "meta" and "prompts"). */
    public static JsonNode read(Path goldenFile) {
        try {
            return JSON.readTree(goldenFile.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs one prompt greedily and checks it against {@code golden} (a node with a "steps" array).
     *
     * @return the largest logprob difference seen
     */
    public static double check(Model model, WorkerPool pool, JsonNode prompt, JsonNode golden, double tau) {
        int[] ids = ints(prompt.get("prompt_ids"));
        JsonNode steps = golden.get("steps");
        SamplingParams p = SamplingParams.greedy(steps.size()).withIgnoreEos(true).withTopLogprobs(5);
        GenerationResult r = new Generator(model, pool).generate(ids, p, s -> true);
        String name = prompt.get("name").asText();
        double worst = 0;
        for (int t = 0; t < steps.size(); t++) {
            JsonNode g = steps.get(t);
            Step s = r.steps().get(t);
            // top-5: each golden candidate's logprob, looked up in ours by id where present (ties may order differently)
            for (JsonNode cand : g.get("top5")) {
                int id = cand.get(0).asInt();
                double lp = cand.get(1).asDouble();
                double ours = logprobOf(s, id, model, r, t);
                double d = Math.abs(ours - lp);
                worst = Math.max(worst, d);
                assertThat(d).as("%s step %d: logprob of id %d (ours %.6f, golden %.6f)", name, t, id, ours, lp).isLessThanOrEqualTo(tau);
            }
            double margin = g.get("margin_top1_top2").asDouble();
            if (margin < 2 * tau) {
                int a = g.get("top5").get(0).get(0).asInt(), b = g.get("top5").get(1).get(0).asInt();
                assertThat(s.id()).as("%s step %d: near tie, either %d or %d", name, t, a, b).isIn(a, b);
                break;
            }
            assertThat(s.id()).as("%s step %d: greedy id", name, t).isEqualTo(g.get("id").asInt());
        }
        return worst;
    }

    private static double logprobOf(Step s, int id, Model model, GenerationResult r, int t) {
        for (int i = 0; i < s.topIds().length; i++) if (s.topIds()[i] == id) return s.topLogprobs()[i];
        // Outside our top-5 (a tie at the 5th place): fall back to a 20-wide look-up.
        throw new AssertionError("step " + t + ": golden top-5 id " + id + " not in our top-5 " + java.util.Arrays.toString(s.topIds()));
    }

    /** A JSON array of integers (token ids) as an int array. */
    public static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }
}
