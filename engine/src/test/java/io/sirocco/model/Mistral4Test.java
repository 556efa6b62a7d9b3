package io.sirocco.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.chat.ChatRequests;
import io.sirocco.chat.instruct.InstructEncoder;
import io.sirocco.engine.KvCache;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.Logprobs;
import io.sirocco.tensor.Tensor;
import io.sirocco.tensor.kernel.ScalarKernels;
import io.sirocco.testing.GoldenGeneration;
import io.sirocco.testing.TestData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Mistral Small 4 pieces against plain references: config, YaRN, routing, latent cache vs full recomputation, large positions. */
class Mistral4Test {
    static final ObjectMapper JSON = new ObjectMapper();
    static WorkerPool pool;
    static Model model;

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
        model = Model.load(TestData.file("mistral-small4/native"));
    }

    @AfterAll
    static void stop() {
        model.close();
        pool.close();
    }

    @Test
    void nativeAndGgufConfigsAgree() {
        try (Model g = Model.load(TestData.file("mistral-small4/gguf/synth-mistral-small-4-tiny-mistral4-F32.gguf"))) {
            Mistral4Params a = model.config().mistral4(), b = g.config().mistral4();
            assertThat(b).isEqualTo(a);
            assertThat(a.mla()).isEqualTo(new Mistral4Params.Mla(32, 16, 16, 16, 32));
            assertThat(a.moe()).isEqualTo(new Mistral4Params.Moe(128, 4, 8, 1, 1.0, true, 0));
            assertThat(a.yarn()).isEqualTo(new Mistral4Params.Yarn(128, 8192, 32, 1));
            assertThat(a.llama4Scaling()).isEqualTo(new Mistral4Params.Llama4Scaling(0.1, 8192));
            assertThat(g.config().headDim()).isEqualTo(32);
            assertThat(g.decoder().cacheShape()).isEqualTo(new KvCache.Shape(2, 32, false, 16));
        }
    }

    @Test
    void yarnFrequenciesAndLlama4Scale() {
        var y = new Mistral4Params.Yarn(128, 8192, 32, 1);
        double[] tiny = YarnRope.inverseFrequencies(10000, 16, y);
        double[] expected = {1, 0.31623, 0.1, 0.031623, 0.0075195, 0.0015935, 0.00025586, 2.4705e-06};
        for (int i = 0; i < 8; i++) assertThat(tiny[i]).as("lane %d", i).isCloseTo(expected[i], org.assertj.core.data.Percentage.withPercentage(0.01));
        double[] real = YarnRope.inverseFrequencies(10000, 64, y);  // spec §5.4 values (float32 there: within 1 ulp)
        assertThat(real[12]).isCloseTo(0x1.030dc6p-5f, org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(real[13]).isCloseTo(0x1.66df6cp-6f, org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(real[18]).isCloseTo(0x1.8f8aecp-9f, org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(real[24]).isCloseTo(0x1.60e2dap-14f, org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(real[25]).isCloseTo(0x1.892918p-18f, org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(real[31]).isCloseTo(0x1.17a8e4p-20f, org.assertj.core.data.Percentage.withPercentage(1e-4));
        var l4 = new Mistral4Params.Llama4Scaling(0.1, 8192);
        assertThat(l4.scale(8191)).isEqualTo(1.0);
        assertThat(l4.scale(8192)).isCloseTo(1.0693147, org.assertj.core.data.Offset.offset(1e-7));
        assertThat(l4.scale(100000)).isCloseTo(1.2564950, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(l4.scale(1048575)).isCloseTo(1.4852030, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void routingMatchesScalarReference() {
        Random rnd = new Random(7);
        int nExp = 128, k = 4;
        for (int trial = 0; trial < 200; trial++) {
            float[] logits = new float[nExp];
            for (int e = 0; e < nExp; e++) logits[e] = (float) rnd.nextGaussian();
            if (trial % 2 == 0) {  // plant ties among the top: equal logits at scattered experts
                float top = 5 + rnd.nextInt(2);
                for (int j = 0; j < 3 + rnd.nextInt(4); j++) logits[rnd.nextInt(nExp)] = top;
            }
            if (trial == 1) Arrays.fill(logits, 0.5f);  // all tied: experts 0..3
            double scale = trial % 3 == 0 ? 2.5 : 1.0;
            int[] ids = new int[k];
            float[] w = new float[k];
            MoeFeedForward.route(logits, 0, nExp, k, true, scale, ids, w, 0);
            // Reference: probabilities, stable sort by (−p, id), renormalise over the chosen.
            double max = IntStream.range(0, nExp).mapToDouble(e -> logits[e]).max().orElseThrow();
            double[] p = IntStream.range(0, nExp).mapToDouble(e -> Math.exp(logits[e] - max)).toArray();
            double sum = Arrays.stream(p).sum();
            Integer[] order = IntStream.range(0, nExp).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.comparingDouble((Integer e) -> -p[e]).thenComparingInt(e -> e));
            double topSum = 0;
            for (int j = 0; j < k; j++) topSum += p[order[j]] / sum;
            for (int j = 0; j < k; j++) {
                assertThat(ids[j]).as("trial %d slot %d", trial, j).isEqualTo(order[j]);
                assertThat((double) w[j]).isCloseTo(p[order[j]] / sum / topSum * scale, org.assertj.core.data.Offset.offset(1e-6));
            }
            if (trial == 1) assertThat(ids).containsExactly(0, 1, 2, 3);
            double wsum = 0;
            for (float x : w) wsum += x;
            assertThat(wsum).isCloseTo(scale, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    /** Prefill then one-token steps through the latent cache give the logits of a float64 expanded-K/V recomputation. */
    @Test
    void latentCacheMatchesFullRecomputation() {
        Mistral4Decoder dec = (Mistral4Decoder) model.decoder();
        int[] ids = {1, 3680, 1368, 6610, 1261, 2142, 34, 37, 8191};
        KvCache cache = KvCache.forTokens(dec.cacheShape(), ids.length);
        KvCache.SequenceKv seq = new KvCache.SequenceKv();
        cache.reserve(seq, ids.length);
        int prefill = 5;
        List<float[]> ours = new ArrayList<>();
        ours.add(dec.forward(io.sirocco.model.Batch.ofSequence(Arrays.copyOf(ids, prefill), 0, seq), cache, pool));
        for (int p = prefill; p < ids.length; p++) ours.add(dec.forward(Batch.ofSequence(new int[] {ids[p]}, p, seq), cache, pool));
        double worst = 0;
        for (int i = 0; i < ours.size(); i++) {
            int last = prefill - 1 + i;
            double[] ref = new ExpandedReference(dec).logits(Arrays.copyOf(ids, last + 1));
            float[] lp = logprobs(ours.get(i));
            double lse = logSumExp(ref);
            for (int v = 0; v < ref.length; v++) worst = Math.max(worst, Math.abs(lp[v] - (ref[v] - lse)));
        }
        System.out.printf("latent cache vs float64 expanded recomputation: max |Δ logprob| %.2e%n", worst);
        assertThat(worst).isLessThan(1e-4);
    }

    /** large_positions.json: prompts placed at pos0 up to 1,048,500 (YaRN + Llama-4 scale), vs the float64 reference. */
    @Test
    void largePositionsMatchReference() throws Exception {
        Mistral4Decoder dec = (Mistral4Decoder) model.decoder();
        JsonNode cases = JSON.readTree(TestData.file("mistral-small4/large_positions.json").toFile()).get("cases");
        double worst = 0;
        int n = 0;
        for (JsonNode c : cases) {
            if (!c.get("split").asText().equals("public")) continue;
            int[] ids = GoldenGeneration.ints(c.get("prompt_ids"));
            KvCache cache = KvCache.forTokens(dec.cacheShape(), ids.length);
            KvCache.SequenceKv seq = new KvCache.SequenceKv();
            cache.reserve(seq, ids.length);
            float[] lp = logprobs(dec.forward(Batch.ofSequence(ids, 0, seq), cache, pool, c.get("pos0").asInt()));
            for (JsonNode r : c.get("ref_top20")) {
                double d = Math.abs(lp[r.get(0).asInt()] - r.get(1).asDouble());
                worst = Math.max(worst, d);
                assertThat(d).as("%s at %d: id %d", c.get("name").asText(), c.get("pos0").asInt(), r.get(0).asInt()).isLessThan(1e-4);
            }
            assertThat(Logprobs.topK(lp, 0, lp.length, 1)[0]).isEqualTo(c.get("ref_top20").get(0).get(0).asInt());
            n++;
        }
        System.out.printf("large positions: %d cases, max |Δ logprob| %.2e%n", n, worst);
        assertThat(n).isEqualTo(10);
    }

    /** A v15 chat request with reasoning_effort high encodes to the golden prompt and generates its golden answer. */
    @Test
    void reasoningEffortHighChatRuns() {
        JsonNode golden = GoldenGeneration.prompts(TestData.file("mistral-small4/generation.json")).stream()
                .filter(p -> p.get("name").asText().equals("chat_effort_high")).findFirst().orElseThrow();
        int[] tokens = InstructEncoder.forTokenizer(model.tokenizer())
                .encode(ChatRequests.fromOpenAi(golden.get("request"), ChatRequests.Limits.MISTRAL_COMMON)).tokens();
        assertThat(tokens).containsExactly(GoldenGeneration.ints(golden.get("prompt_ids")));
        GoldenGeneration.check(model, pool, golden, golden, 1e-4);
    }

    @Test
    void cacheOfTheWrongWidthIsRefused() {
        KvCache dense = KvCache.forTokens(2, 128, 4);
        KvCache.SequenceKv seq = new KvCache.SequenceKv();
        dense.reserve(seq, 1);
        assertThatThrownBy(() -> model.decoder().forward(Batch.ofSequence(new int[] {1}, 0, seq), dense, pool))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latent width 32");
        KvCache latent = KvCache.forTokens(model.decoder().cacheShape(), 4);
        assertThatThrownBy(() -> latent.addValue(0, 0, 0, 1f, new float[32], 0, 32)).isInstanceOf(IllegalStateException.class);
    }

    static float[] logprobs(float[] logits) {
        double lse = Logprobs.logSumExp(logits, 0, logits.length);
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (logits[i] - lse);
        return out;
    }

    static double logSumExp(double[] x) {
        double m = Arrays.stream(x).max().orElseThrow(), s = 0;
        for (double v : x) s += Math.exp(v - m);
        return m + Math.log(s);
    }

    /** The model's definition (README §5) in float64 with per-head k_nope and v expanded from wkv_b, recomputed from scratch. */
    static final class ExpandedReference {
        final ModelConfig c;
        final Mistral4Params p;
        final Mistral4Weights w;

        ExpandedReference(Mistral4Decoder dec) {
            this.c = dec.config();
            this.p = c.mistral4();
            this.w = dec.weights();
        }

        double[] logits(int[] ids) {
            int T = ids.length, dim = c.dim();
            double[][] h = new double[T][];
            for (int t = 0; t < T; t++) h[t] = row(w.tokEmbeddings(), ids[t]);
            for (Mistral4Weights.Layer lw : w.layers()) {
                double[][] x = new double[T][];
                for (int t = 0; t < T; t++) x[t] = rms(h[t], lw.attentionNorm());
                double[][] a = attention(lw, x);
                for (int t = 0; t < T; t++) {
                    for (int d = 0; d < dim; d++) h[t][d] += a[t][d];
                    double[] y = moe(lw, rms(h[t], lw.ffnNorm()));
                    for (int d = 0; d < dim; d++) h[t][d] += y[d];
                }
            }
            return mul(w.output(), rms(h[T - 1], w.norm()));
        }

        double[][] attention(Mistral4Weights.Layer lw, double[][] x) {
            var m = p.mla();
            int T = x.length, H = c.nHeads(), nope = m.qkNopeHeadDim(), rd = m.qkRopeHeadDim(), lat = m.kvLoraRank(), vd = m.vHeadDim();
            double[] f = YarnRope.inverseFrequencies(c.ropeTheta(), rd, p.yarn());
            double[][][] q = new double[T][][], kNope = new double[T][][], v = new double[T][][];
            double[][] kPe = new double[T][];
            for (int t = 0; t < T; t++) {
                double[] qa = rms(mul(lw.wqA(), x[t]), lw.qANorm()), qb = mul(lw.wqB(), qa), ckv = mul(lw.wkvA(), x[t]);
                double[] cl = rms(Arrays.copyOf(ckv, lat), lw.kvANorm());
                kPe[t] = rope(Arrays.copyOfRange(ckv, lat, lat + rd), t, f);
                q[t] = new double[H][];
                kNope[t] = new double[H][nope];
                v[t] = new double[H][vd];
                for (int hh = 0; hh < H; hh++) {
                    q[t][hh] = Arrays.copyOfRange(qb, hh * (nope + rd), (hh + 1) * (nope + rd));
                    double[] qpe = rope(Arrays.copyOfRange(q[t][hh], nope, nope + rd), t, f);
                    System.arraycopy(qpe, 0, q[t][hh], nope, rd);
                    for (int n = 0; n < nope; n++) for (int j = 0; j < lat; j++) kNope[t][hh][n] += lw.wUk()[(hh * nope + n) * lat + j] * cl[j];
                    for (int d = 0; d < vd; d++) for (int j = 0; j < lat; j++) v[t][hh][d] += lw.wUv()[(hh * vd + d) * lat + j] * cl[j];
                }
            }
            double[][] out = new double[T][];
            for (int t = 0; t < T; t++) {
                double scale = p.llama4Scaling().scale(t) / Math.sqrt(nope + rd);
                double[] cat = new double[H * vd];
                for (int hh = 0; hh < H; hh++) {
                    double[] s = new double[t + 1];
                    for (int u = 0; u <= t; u++) {
                        for (int n = 0; n < nope; n++) s[u] += q[t][hh][n] * kNope[u][hh][n];
                        for (int i = 0; i < rd; i++) s[u] += q[t][hh][nope + i] * kPe[u][i];
                        s[u] *= scale;
                    }
                    double mx = Arrays.stream(s).max().orElseThrow(), sum = 0;
                    for (int u = 0; u <= t; u++) sum += s[u] = Math.exp(s[u] - mx);
                    for (int u = 0; u <= t; u++) for (int d = 0; d < vd; d++) cat[hh * vd + d] += s[u] / sum * v[u][hh][d];
                }
                out[t] = mul(lw.wo(), cat);
            }
            return out;
        }

        double[] moe(Mistral4Weights.Layer lw, double[] x) {
            var m = p.moe();
            double[] logits = mul(lw.router(), x);
            double mx = Arrays.stream(logits).max().orElseThrow();
            double[] pr = Arrays.stream(logits).map(l -> Math.exp(l - mx)).toArray();
            double sum = Arrays.stream(pr).sum();
            Integer[] order = IntStream.range(0, pr.length).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.comparingDouble((Integer e) -> -pr[e]).thenComparingInt(e -> e));
            double top = 0;
            for (int j = 0; j < m.expertsPerToken(); j++) top += pr[order[j]];
            double[] y = expert(lw.shared(), x);
            for (int j = 0; j < m.expertsPerToken(); j++) {
                double[] e = expert(lw.experts().get(order[j]), x);
                double wt = pr[order[j]] / top * m.routedScale();
                for (int d = 0; d < y.length; d++) y[d] += wt * e[d];
            }
            assertThat(sum).isPositive();
            return y;
        }

        static double[] expert(Mistral4Weights.Expert e, double[] x) {
            double[] g = mul(e.w1(), x), u = mul(e.w3(), x);
            for (int i = 0; i < g.length; i++) g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
            return mul(e.w2(), g);
        }

        static double[] rope(double[] x, int pos, double[] f) {
            double[] out = x.clone();
            for (int i = 0; i < f.length; i++) {
                double a = pos * f[i], cs = Math.cos(a), sn = Math.sin(a);
                out[2 * i] = x[2 * i] * cs - x[2 * i + 1] * sn;
                out[2 * i + 1] = x[2 * i] * sn + x[2 * i + 1] * cs;
            }
            return out;
        }

        double[] rms(double[] x, float[] wt) {
            double ss = 0;
            for (double v : x) ss += v * v;
            double s = 1 / Math.sqrt(ss / x.length + c.normEps());
            double[] out = new double[x.length];
            for (int i = 0; i < x.length; i++) out[i] = x[i] * s * wt[i];
            return out;
        }

        static double[] row(Tensor t, long r) {
            float[] f = new float[(int) t.cols()];
            ScalarKernels.dequantizeRow(t, r, f, 0);
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return d;
        }

        static double[] mul(Tensor t, double[] x) {
            double[] out = new double[(int) t.rows()];
            for (int r = 0; r < out.length; r++) {
                double[] wr = row(t, r);
                for (int i = 0; i < x.length; i++) out[r] += wr[i] * x[i];
            }
            return out;
        }
    }
}
