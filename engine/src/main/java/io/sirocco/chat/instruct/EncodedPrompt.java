package io.sirocco.chat.instruct;

import io.sirocco.chat.Chunk;
import io.sirocco.image.ImageGrid;
import java.util.List;

/**
 * The tokens of a prompt and where its images go.
 *
 * @param tokens starts with BOS; ends where the model continues
 * @param images in prompt order
 */
public record EncodedPrompt(int[] tokens, List<ImageSlot> images) {

    /**
     * One image's block of the prompt.
     *
     * @param index  0-based, in prompt order
     * @param offset position of the block's first token ([IMG]) in {@link #tokens}
     * @param grid   merged-token grid: the block is {@code grid.promptTokens()} long
     */
    public record ImageSlot(int index, int offset, ImageGrid grid, ResolvedImage image, Chunk.Image source) {}

    public EncodedPrompt {
        images = List.copyOf(images);
    }
}
