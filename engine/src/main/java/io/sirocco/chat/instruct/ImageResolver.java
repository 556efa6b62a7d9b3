package io.sirocco.chat.instruct;

import io.sirocco.chat.Chunk;

/** Turns an image chunk (data URL, base64, http URL) into a decoded image. Implementations decide what they fetch. */
@FunctionalInterface
public interface ImageResolver {

    ResolvedImage resolve(Chunk.Image image);

    /** For encoders of text-only models: any image is an error. */
    ImageResolver NONE = image -> {
        throw new IllegalArgumentException("this encoder has no image support (no ImageResolver configured)");
    };
}
