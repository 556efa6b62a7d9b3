package io.sirocco.vision;

/**
 * Per-request bounds on image work, checked before anything is encoded.
 *
 * @param maxImagesPerPrompt   images in one prompt (vLLM's {@code --limit-mm-per-prompt image=N})
 * @param maxImageTokens       [IMG] tokens (merged image tokens) summed over the prompt's images
 */
public record VisionLimits(int maxImagesPerPrompt, int maxImageTokens) {

    /** Ten images, and room for about five full-size (1540×1540 px, 3025-token) images of Small 3.x. */
    public static final VisionLimits DEFAULT = new VisionLimits(10, 16384);

    public VisionLimits {
        if (maxImagesPerPrompt < 0 || maxImageTokens < 0)
            throw new IllegalArgumentException("vision limits must not be negative: " + maxImagesPerPrompt + ", " + maxImageTokens);
    }
}
