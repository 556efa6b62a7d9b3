package io.sirocco.vision;

import io.sirocco.image.PreprocessedImage;
import io.sirocco.model.FeedForward;
import io.sirocco.model.LayerWeights;
import io.sirocco.model.Ops;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.kernel.Kernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Pixtral vision encoder with its projector (spec §2.4–2.5): patch conv, ln_pre, transformer blocks with 2D
 * RoPE and block-diagonal attention over all images of a call, pre-projector norm, 2×2 patch merger and the
 * Linear–GELU–Linear adapter. Output: per image, (h_tok·w_tok, textDim) rows in row-major token-grid order, one per
 * [IMG] token. Results are cached by {@link ImageHash}.
 *
 * <p>Shapes: N = patches of all images in the call, T = merged tokens of all images, H = hidden size.
 */
public final class PixtralEncoder {
    /** Default cache budget: four 1540×1540 images of Small 3.x (3025 × 5120 floats each). */
    public static final long DEFAULT_CACHE_BYTES = 256L << 20;

    /** Receives intermediate tensors (rows packed over the call's images, in order) for tests and debugging. */
    @FunctionalInterface
    public interface Stages {
        Stages NONE = (name, values) -> {};

        /** Stage names: patch_conv, ln_pre, vision_layer{l}_out, pre_mm_projector_norm, patch_merger_input, patch_merger_out, adapter_w_in_out. */
        void accept(String name, float[] values);
    }

    private final VisionConfig c;
    private final VisionWeights w;
    private final EmbeddingCache cache;
    private long encodedImages;

    public PixtralEncoder(VisionConfig config, VisionWeights weights) {
        this(config, weights, DEFAULT_CACHE_BYTES);
    }

    public PixtralEncoder(VisionConfig config, VisionWeights weights, long cacheBytes) {
        this.c = config;
        this.w = weights;
        this.cache = new EmbeddingCache(cacheBytes);
    }

    public VisionConfig config() {
        return c;
    }

    public VisionWeights weights() {
        return w;
    }

    public EmbeddingCache cache() {
        return cache;
    }

    /** Images that went through the tower (cache misses) since this encoder was made. */
    public synchronized long encodedImages() {
        return encodedImages;
    }

    /**
     * Embeddings of each image, (grid.imageTokens(), textDim) row-major; cached images are not encoded again, the
     * others are encoded together in one block-diagonal pass. The returned arrays are shared with the cache: read only.
     */
    public List<float[]> encode(List<PreprocessedImage> images, WorkerPool pool) {
        List<String> hashes = images.stream().map(ImageHash::of).toList();
        return encode(images, hashes, pool);
    }

    /** As {@link #encode(List, WorkerPool)} with the images' {@link ImageHash}es already computed. */
    public List<float[]> encode(List<PreprocessedImage> images, List<String> hashes, WorkerPool pool) {
        if (hashes.size() != images.size()) throw new IllegalArgumentException("one hash per image expected");
        float[][] out = new float[images.size()][];
        Map<String, Integer> pending = new HashMap<>();  // hash → index in toEncode (an image twice in one call runs once)
        List<PreprocessedImage> toEncode = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            String h = hashes.get(i);
            if (pending.containsKey(h) || (out[i] = cache.get(h)) != null) continue;
            pending.put(h, toEncode.size());
            toEncode.add(images.get(i));
        }
        if (toEncode.isEmpty()) return Arrays.asList(out);
        List<float[]> fresh = forward(toEncode, pool, Stages.NONE);
        synchronized (this) {
            encodedImages += toEncode.size();
        }
        pending.forEach((h, j) -> cache.put(h, fresh.get(j)));
        for (int i = 0; i < images.size(); i++) if (out[i] == null) out[i] = fresh.get(pending.get(hashes.get(i)));
        return Arrays.asList(out);
    }

    /** One uncached pass of the tower and projector over all {@code images}, reporting intermediates to {@code stages}. */
    public List<float[]> forward(List<PreprocessedImage> images, WorkerPool pool, Stages stages) {
        if (images.isEmpty()) return List.of();
        int H = c.hiddenSize(), ffn = c.intermediateSize(), p = c.patchSize(), pv = c.patchValues();
        int[] segments = new int[images.size() + 1];          // patch ranges per image
        for (int i = 0; i < images.size(); i++) segments[i + 1] = segments[i] + checkedPatches(images.get(i), i);
        int N = segments[images.size()];

        // Patch conv (kernel = stride = p, no bias) as a matmul over flattened patches; 2D positions for RoPE.
        float[] patches = new float[N * pv];  // (N, 3·p·p)
        int[] rows = new int[N], cols = new int[N];
        for (int i = 0; i < images.size(); i++) flattenPatches(images.get(i), p, patches, segments[i], rows, cols);
        float[] h = new float[N * H];         // (N, H) residual stream
        Kernels.matmul(w.patchConv(), patches, N, h, pool);
        stages.accept("patch_conv", h);
        for (int t = 0; t < N; t++) Ops.rmsNorm(h, t * H, w.lnPre(), c.normEps(), h, t * H, H);
        stages.accept("ln_pre", h);

        Rope2d rope = new Rope2d(c.ropeTheta(), c.headDim(), rows, cols, w.ropeStyle());
        float[] x = new float[N * H];         // (N, H) normed block input
        float[] q = new float[N * H], k = new float[N * H], v = new float[N * H];
        float[] att = new float[N * H];       // (N, H) attention output
        float[] o = new float[N * H];         // (N, H) projection back to the stream
        float[] gate = new float[N * ffn];    // (N, ffn)
        float[] up = new float[N * ffn];
        for (int l = 0; l < c.nLayers(); l++) {
            LayerWeights lw = w.layers().get(l);
            for (int t = 0; t < N; t++) Ops.rmsNorm(h, t * H, lw.attentionNorm(), c.normEps(), x, t * H, H);
            Kernels.matmul(lw.wq(), x, N, q, pool);
            Kernels.matmul(lw.wk(), x, N, k, pool);
            Kernels.matmul(lw.wv(), x, N, v, pool);
            for (int t = 0; t < N; t++) {
                rope.apply(q, t * H, c.nHeads(), t);
                rope.apply(k, t * H, c.nHeads(), t);
            }
            VisionAttention.run(q, k, v, c.nHeads(), c.headDim(), segments, att, pool);
            Kernels.matmul(lw.wo(), att, N, o, pool);
            Ops.add(h, o, N * H);

            FeedForward.apply(lw, c.normEps(), h, N, H, ffn, x, gate, up, o, pool);
            stages.accept("vision_layer" + l + "_out", h);
        }
        if (w.preProjectorNorm() != null) {
            for (int t = 0; t < N; t++) Ops.rmsNorm(h, t * H, w.preProjectorNorm(), c.normEps(), h, t * H, H);
            stages.accept("pre_mm_projector_norm", h);
        }
        return project(images, segments, h, pool, stages);
    }

    /** Patch merger and adapter over the merged tokens of all images at once; split per image at the end. */
    private List<float[]> project(List<PreprocessedImage> images, int[] segments, float[] h, WorkerPool pool, Stages stages) {
        int H = c.hiddenSize(), m = c.spatialMergeSize(), D = c.textDim();
        int[] tokenStart = new int[images.size() + 1];
        for (int i = 0; i < images.size(); i++) tokenStart[i + 1] = tokenStart[i] + images.get(i).grid().imageTokens();
        int T = tokenStart[images.size()];
        float[] merged = new float[T * c.mergedWidth()];  // (T, H·m²)
        for (int i = 0; i < images.size(); i++) {
            PreprocessedImage img = images.get(i);
            PatchMerger.gather(h, segments[i], img.height() / c.patchSize(), img.width() / c.patchSize(), H, m, merged,
                    tokenStart[i] * c.mergedWidth());
        }
        stages.accept("patch_merger_input", merged);
        float[] tokens = new float[T * H];                 // (T, H)
        Kernels.matmul(w.mergingLayer(), merged, T, tokens, pool);
        stages.accept("patch_merger_out", tokens);
        float[] a = new float[T * D];                      // (T, textDim)
        Kernels.matmul(w.wIn(), tokens, T, a, pool);
        stages.accept("adapter_w_in_out", a);
        Gelu.apply(a, 0, T * D);
        float[] y = new float[T * D];                      // (T, textDim)
        Kernels.matmul(w.wOut(), a, T, y, pool);
        List<float[]> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) out.add(Arrays.copyOfRange(y, tokenStart[i] * D, tokenStart[i + 1] * D));
        return out;
    }

    /** Patches of one image after checking its size fits this tower (whole merged tokens, within the RoPE table). */
    private int checkedPatches(PreprocessedImage img, int index) {
        int block = c.patchSize() * c.spatialMergeSize();
        if (img.width() % block != 0 || img.height() % block != 0)
            throw new IllegalArgumentException("image " + index + " is " + img.width() + "x" + img.height() + " pixels, not a multiple of "
                    + block + " (patch " + c.patchSize() + " × merge " + c.spatialMergeSize() + "): preprocess it for this model");
        int ph = img.height() / c.patchSize(), pw = img.width() / c.patchSize();
        if (ph > c.maxPatchesPerSide() || pw > c.maxPatchesPerSide())
            throw new IllegalArgumentException("image " + index + " is " + img.width() + "x" + img.height() + " pixels, larger than the encoder's "
                    + c.maxImageSize() + " px per side");
        if (img.grid().widthTokens() * block != img.width() || img.grid().heightTokens() * block != img.height())
            throw new IllegalArgumentException("image " + index + ": grid " + img.grid() + " does not match its " + img.width() + "x" + img.height() + " pixels");
        return ph * pw;
    }

    /**
     * Row-major patches of {@code img} into {@code out} from patch {@code first}: patch (pr, pc) is the row of its
     * 3·p·p values in the conv kernel's order (channel, ky, kx); rows/cols get its grid coordinates.
     */
    static void flattenPatches(PreprocessedImage img, int p, float[] out, int first, int[] rows, int[] cols) {
        int ph = img.height() / p, pw = img.width() / p, W = img.width(), plane = img.width() * img.height(), pv = 3 * p * p;
        float[] chw = img.chw();
        for (int pr = 0; pr < ph; pr++) {
            for (int pc = 0; pc < pw; pc++) {
                int t = first + pr * pw + pc;
                rows[t] = pr;
                cols[t] = pc;
                int o = t * pv;
                for (int ch = 0; ch < 3; ch++)
                    for (int ky = 0; ky < p; ky++, o += p)
                        System.arraycopy(chw, ch * plane + (pr * p + ky) * W + pc * p, out, o, p);
            }
        }
    }
}
