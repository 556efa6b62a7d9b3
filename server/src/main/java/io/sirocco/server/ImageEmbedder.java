package io.sirocco.server;

import io.sirocco.image.PreprocessedImage;

/**
 * The vision side of a multimodal model, as the server sees it: one preprocessed image → one embedding row per image
 * token ({@code grid.imageTokens()} rows of the decoder's width, row-major in grid order). Without one, the server
 * refuses image input.
 */
@FunctionalInterface
public interface ImageEmbedder {
    /** (imageTokens, dim) row-major. */
    float[] embed(PreprocessedImage image);
}
