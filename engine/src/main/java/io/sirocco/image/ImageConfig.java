package io.sirocco.image;

/**
 * A model's image settings (tekken.json "image" section, params.json vision_encoder, mmproj metadata).
 * One merged image token covers {@code patchSize * spatialMergeSize} pixels on each side.
 */
public record ImageConfig(int patchSize, int maxImageSize, int spatialMergeSize) {

    /** Mistral Small 3.1/3.2 (Pixtral, tokenizer v7+). */
    public static final ImageConfig MISTRAL_SMALL_3 = new ImageConfig(14, 1540, 2);

    public ImageConfig {
        if (patchSize <= 0 || maxImageSize <= 0 || spatialMergeSize <= 0)
            throw new IllegalArgumentException("image config values must be positive: " + patchSize + ", " + maxImageSize + ", " + spatialMergeSize);
    }

    /** Pixels per merged token along one side (28 for Pixtral in Small 3.x). */
    public int tokenPixels() {
        return patchSize * spatialMergeSize;
    }
}
