package io.sirocco.vision;

import java.nio.file.Path;

/** Images were given to a model that has no vision encoder; they are refused rather than silently dropped. */
public class NoVisionEncoderException extends IllegalStateException {
    public NoVisionEncoderException(Path model) {
        super("the model " + model + " has no vision encoder, so it cannot take images: use a model directory with vision weights "
                + "(params.json vision_encoder or config.json vision_config) or give a GGUF model its mmproj file (--mmproj)");
    }
}
