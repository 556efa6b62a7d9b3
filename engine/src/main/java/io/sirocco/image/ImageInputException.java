package io.sirocco.image;

/** An image given as input cannot be used: bad encoding, unsupported format, over the configured limits. */
public class ImageInputException extends RuntimeException {

    public ImageInputException(String message) {
        super(message);
    }

    public ImageInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
