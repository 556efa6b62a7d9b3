package io.sirocco.vision;

import io.sirocco.engine.PromptEmbeddings;
import io.sirocco.image.ImageGrid;
import io.sirocco.image.PreprocessedImage;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a token prompt and its images into the {@link PromptEmbeddings} the generator splices in (spec §2.3, §2.6):
 * image k takes the k-th image block of the prompt, {@code ([IMG]×w [IMG_BREAK])×h} with the last break replaced by
 * [IMG_END]; its rows go to the [IMG] positions in row-major grid order, breaks and end keep their token embeddings.
 */
public final class ImagePrompts {
    private ImagePrompts() {}

    /**
     * Checks the limits and the prompt's image layout, encodes the images (cached ones are reused) and places them.
     *
     * @throws NoVisionEncoderException when there are images and the model has no vision encoder
     * @throws IllegalArgumentException when a limit is exceeded or the prompt's [IMG] blocks do not match the images
     */
    public static List<PromptEmbeddings> embeddings(Model model, int[] prompt, List<PreprocessedImage> images, VisionLimits limits,
                                                    WorkerPool pool) {
        if (images.isEmpty()) {
            model.vision().ifPresent(v -> positions(prompt, List.of(), v.config()));  // a stray [IMG] block without its image
            return List.of();
        }
        return embeddings(model.requireVision(), prompt, images, limits, pool);
    }

    /** As {@link #embeddings(Model, int[], List, VisionLimits, WorkerPool)} with the encoder itself. */
    public static List<PromptEmbeddings> embeddings(PixtralEncoder encoder, int[] prompt, List<PreprocessedImage> images,
                                                    VisionLimits limits, WorkerPool pool) {
        checkLimits(images, limits);
        VisionConfig c = encoder.config();
        int[][] positions = positions(prompt, images.stream().map(PreprocessedImage::grid).toList(), c);
        List<String> hashes = images.stream().map(ImageHash::of).toList();
        List<float[]> rows = encoder.encode(images, hashes, pool);
        List<PromptEmbeddings> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) out.add(new PromptEmbeddings(positions[i], rows.get(i), hashes.get(i)));
        return out;
    }

    static void checkLimits(List<PreprocessedImage> images, VisionLimits limits) {
        if (images.size() > limits.maxImagesPerPrompt())
            throw new IllegalArgumentException(images.size() + " images in one prompt; the limit is " + limits.maxImagesPerPrompt());
        long tokens = 0;
        for (PreprocessedImage img : images) tokens += img.grid().imageTokens();
        if (tokens > limits.maxImageTokens())
            throw new IllegalArgumentException("the images need " + tokens + " image tokens; the limit per request is " + limits.maxImageTokens()
                    + " (send fewer or smaller images)");
    }

    /**
     * The [IMG] positions of each image's block, in order, after checking every block has the image's grid layout and
     * no [IMG] token is left over.
     */
    public static int[][] positions(int[] prompt, List<ImageGrid> grids, VisionConfig c) {
        int img = c.imageTokenId(), brk = c.imageBreakTokenId(), end = c.imageEndTokenId();
        int[][] out = new int[grids.size()][];
        int p = 0;
        for (int k = 0; k < grids.size(); k++) {
            while (p < prompt.length && prompt[p] != img) p++;
            if (p == prompt.length)
                throw new IllegalArgumentException("the prompt has " + k + " image blocks ([IMG] tokens) but " + grids.size() + " images were given");
            ImageGrid g = grids.get(k);
            int[] pos = new int[g.imageTokens()];
            int n = 0;
            for (int r = 0; r < g.heightTokens(); r++) {
                for (int col = 0; col < g.widthTokens(); col++, p++) {
                    if (p >= prompt.length || prompt[p] != img) throw layout(k, g, p, "[IMG]");
                    pos[n++] = p;
                }
                int want = r == g.heightTokens() - 1 ? end : brk;
                if (p >= prompt.length || prompt[p] != want) throw layout(k, g, p, want == end ? "[IMG_END]" : "[IMG_BREAK]");
                p++;
            }
            out[k] = pos;
        }
        for (; p < prompt.length; p++)
            if (prompt[p] == img)
                throw new IllegalArgumentException("the prompt has more image blocks ([IMG] at position " + p + ") than the " + grids.size() + " images given");
        return out;
    }

    private static IllegalArgumentException layout(int k, ImageGrid g, int p, String expected) {
        return new IllegalArgumentException("image " + k + " (" + g.widthTokens() + "×" + g.heightTokens() + " tokens): expected " + expected
                + " at prompt position " + p + "; the prompt's image block does not match the image");
    }
}
