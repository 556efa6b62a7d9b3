package io.sirocco.vision;

import io.sirocco.image.ImageConfig;
import io.sirocco.image.ImagePreprocessor;
import io.sirocco.image.PreprocessedImage;
import io.sirocco.image.RgbImage;
import io.sirocco.model.LayerWeights;
import io.sirocco.model.RopeStyle;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Encoder time for a 512×512 and a 1024×1024 image on a random tower with Small 3.x's real sizes (hidden 1024, 24
 * layers, 16 heads, FFN 4096, adapter to 5120), BF16 weights as in the checkpoint. Not part of the suite:
 * {@code ./mvnw -q -B -o -pl engine test -Dtest=PixtralEncoderBench -Dsirocco.bench=true} with optional
 * {@code -Dsirocco.bench.threads=N -Dsirocco.bench.runs=R -Dsirocco.bench.sides=512,1024}.
 */
@EnabledIfSystemProperty(named = "sirocco.bench", matches = "true")
class PixtralEncoderBench {

    @Test
    void encoderTime() {
        int threads = Integer.getInteger("sirocco.bench.threads", Runtime.getRuntime().availableProcessors());
        int runs = Integer.getInteger("sirocco.bench.runs", 3);
        VisionConfig c = new VisionConfig(1024, 24, 16, 4096, 14, 1540, 3, 1e4, 2, 1e-5f, true, 5120, 10, 12, 13);
        long t0 = System.nanoTime();
        VisionWeights w = randomWeights(c, new Random(42));
        System.out.printf("random BF16 tower built in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        PixtralEncoder enc = new PixtralEncoder(c, w, 0);
        ImagePreprocessor pre = new ImagePreprocessor(c.imageConfig());
        try (WorkerPool pool = new WorkerPool(threads)) {
            enc.forward(List.of(image(pre, 56, 56)), pool, PixtralEncoder.Stages.NONE);  // JIT warm-up
            for (String sideText : System.getProperty("sirocco.bench.sides", "512,1024").split(",")) {
                int side = Integer.parseInt(sideText.trim());
                PreprocessedImage img = image(pre, side, side);
                int patches = (img.width() / 14) * (img.height() / 14);
                double[] secs = new double[runs];
                for (int r = 0; r < secs.length; r++) {
                    long s = System.nanoTime();
                    enc.forward(List.of(img), pool, PixtralEncoder.Stages.NONE);
                    secs[r] = (System.nanoTime() - s) / 1e9;
                }
                Arrays.sort(secs);
                double flops = flops(c, patches, img.grid().imageTokens());
                System.out.printf("BENCH vision %dx%d -> %dx%d px, %d patches, %d tokens, %d threads: median %.2f s (min %.2f, max %.2f, %d runs), %.1f GFLOP/s%n",
                        side, side, img.width(), img.height(), patches, img.grid().imageTokens(), threads, secs[secs.length / 2], secs[0],
                        secs[secs.length - 1], secs.length, flops / secs[secs.length / 2] / 1e9);
            }
        }
    }

    /** Where one layer's time goes at the patch count of a 512×512 image: attention vs the seven matmuls. */
    @Test
    void attentionVersusMatmuls() {
        int n = Integer.getInteger("sirocco.bench.patches", 1444), H = 1024, heads = 16, F = 4096;
        Random rnd = new Random(5);
        float[] q = VisionKernelsTest.random(rnd, n * H), k = VisionKernelsTest.random(rnd, n * H), v = VisionKernelsTest.random(rnd, n * H);
        float[] out = new float[n * H], big = new float[n * F];
        Tensor wh = bf16(rnd, H, H), wf = bf16(rnd, F, H), wd = bf16(rnd, H, F);
        try (WorkerPool pool = new WorkerPool(Integer.getInteger("sirocco.bench.threads", Runtime.getRuntime().availableProcessors()))) {
            for (int r = 0; r < 3; r++) {
                long a = System.nanoTime();
                VisionAttention.run(q, k, v, heads, H / heads, new int[] {0, n}, out, pool);
                long b = System.nanoTime();
                for (int i = 0; i < 4; i++) io.sirocco.tensor.kernel.Kernels.matmul(wh, q, n, out, pool);
                io.sirocco.tensor.kernel.Kernels.matmul(wf, q, n, big, pool);
                io.sirocco.tensor.kernel.Kernels.matmul(wf, q, n, big, pool);
                io.sirocco.tensor.kernel.Kernels.matmul(wd, big, n, out, pool);
                long c = System.nanoTime();
                System.out.printf("BENCH layer at %d patches: attention %.2f s (%.1f GFLOP/s), matmuls %.2f s (%.1f GFLOP/s)%n", n, (b - a) / 1e9,
                        4.0 * n * n * H / (b - a), (c - b) / 1e9, 2.0 * n * (4.0 * H * H + 3.0 * H * F) / (c - b));
            }
        }
    }

    /** Multiply-adds ×2 of the matmuls and attention (what dominates); norms, RoPE and GELU are left out. */
    private static double flops(VisionConfig c, long n, long t) {
        long H = c.hiddenSize(), F = c.intermediateSize(), D = c.textDim();
        double perLayer = n * (4 * H * H + 3 * H * F) + 2.0 * n * n * H;
        return 2 * (c.nLayers() * perLayer + n * H * c.patchValues() + t * (4 * H * H + H * D + D * D));
    }

    private static PreprocessedImage image(ImagePreprocessor pre, int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        new Random(w).nextBytes(rgb);
        return pre.preprocess(new RgbImage(w, h, rgb));
    }

    private static VisionWeights randomWeights(VisionConfig c, Random rnd) {
        int H = c.hiddenSize(), F = c.intermediateSize(), D = c.textDim();
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < c.nLayers(); l++)
            layers.add(new LayerWeights(ones(H), bf16(rnd, H, H), bf16(rnd, H, H), bf16(rnd, H, H), bf16(rnd, H, H), ones(H),
                    bf16(rnd, F, H), bf16(rnd, H, F), bf16(rnd, F, H)));
        return new VisionWeights(bf16(rnd, H, c.patchValues()), ones(H), layers, ones(H), bf16(rnd, H, c.mergedWidth()),
                bf16(rnd, D, H), bf16(rnd, D, D), RopeStyle.INTERLEAVED);
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return v;
    }

    /** Uniform values in ±1/√cols (keeps activations bounded through 24 layers), stored as BF16 off-heap. */
    private static Tensor bf16(Random rnd, int rows, int cols) {
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * cols * 2, 64);
        float scale = (float) (1 / Math.sqrt(cols));
        long state = rnd.nextLong() | 1;
        for (long i = 0; i < (long) rows * cols; i++) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            float v = ((state >>> 40) / (float) (1 << 24) * 2 - 1) * scale;
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
        }
        return new Tensor("random", GgmlType.BF16, new long[] {rows, cols}, seg);
    }
}
