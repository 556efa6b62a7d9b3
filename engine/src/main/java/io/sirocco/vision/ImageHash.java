package io.sirocco.vision;

import io.sirocco.image.PreprocessedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The content hash that keys the encoder cache and {@code PromptEmbeddings.contentHash}: sha256 of the preprocessed
 * image (width, height, then the CHW float32 values little-endian). Two files that decode and resize to the same
 * pixels share one entry; the same picture at another size does not.
 */
public final class ImageHash {
    private ImageHash() {}

    private static final int CHUNK = 16384;  // floats hashed per buffer fill

    public static String of(PreprocessedImage image) {
        MessageDigest md = sha256();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(image.width()).putInt(image.height()).flip();
        md.update(buf);
        float[] chw = image.chw();
        for (int i = 0; i < chw.length; i += CHUNK) {
            int n = Math.min(CHUNK, chw.length - i);
            buf.clear();
            buf.asFloatBuffer().put(chw, i, n);
            buf.limit(n * Float.BYTES);
            md.update(buf);
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }
}
