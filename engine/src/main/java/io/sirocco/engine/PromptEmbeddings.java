package io.sirocco.engine;

/**
 * Rows that replace token embeddings at consecutive prompt positions (image features at the [IMG] tokens of one image).
 *
 * @param positions prompt positions the rows go to, in order
 * @param data      (positions.length, dim) row-major
 * @param contentHash identifies the content (e.g. sha256 of the image) for prefix caching
 */
public record PromptEmbeddings(int[] positions, float[] data, String contentHash) {}
