package io.sirocco.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Encoded image bytes (PNG, JPEG, WebP, GIF first frame, BMP) or a base64 {@code data:} URL to {@link RgbImage}, with
 * the pixels PIL + mistral-common's {@code _convert_to_rgb} would give (see {@link PilRgb}).
 *
 * <p>Limits are checked before any pixel is decoded: the encoded size first, then the width and height read from the
 * header, so a small file announcing 20000×20000 pixels is refused without allocating them. Every problem surfaces as
 * an {@link ImageInputException} naming it. Thread-safe: each call uses its own reader.
 */
public final class ImageDecoder {

    /**
     * @param maxEncodedBytes largest accepted encoded image (after base64 decoding)
     * @param maxPixels       largest accepted width × height
     */
    public record Limits(long maxEncodedBytes, long maxPixels) {
        public static final Limits DEFAULT = new Limits(20L << 20, 50_000_000L);

        public Limits {
            if (maxEncodedBytes <= 0 || maxPixels <= 0) throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** Formats recognised by their leading bytes; the name is ImageIO's format name. */
    enum Format {
        PNG("png"), JPEG("jpeg"), GIF("gif"), BMP("bmp"), WEBP("webp");

        final String imageIoName;

        Format(String imageIoName) {
            this.imageIoName = imageIoName;
        }
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private final Limits limits;

    public ImageDecoder() {
        this(Limits.DEFAULT);
    }

    public ImageDecoder(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** A {@code data:image/...;base64,...} URL, or bare base64 image bytes. */
    public RgbImage decodeBase64(String urlOrBase64) {
        return decode(base64Bytes(urlOrBase64));
    }

    /** The image bytes of a {@code data:image/...;base64,...} URL or of bare base64, checked against the size limit. */
    public byte[] base64Bytes(String urlOrBase64) {
        String payload = urlOrBase64.strip();
        if (payload.regionMatches(true, 0, "data:", 0, 5)) {
            int comma = payload.indexOf(',');
            if (comma < 0) throw new ImageInputException("data URL has no ',' before its data");
            String header = payload.substring(5, comma).toLowerCase(Locale.ROOT);
            if (!header.startsWith("image/"))
                throw new ImageInputException("data URL media type is not an image: '" + payload.substring(5, comma) + "'");
            if (!header.endsWith(";base64"))
                throw new ImageInputException("only base64 data URLs are supported, got '" + payload.substring(5, comma) + "'");
            payload = payload.substring(comma + 1);
        }
        if (payload.length() / 4 * 3 > limits.maxEncodedBytes() + 3)
            throw new ImageInputException("image data too large: about " + payload.length() / 4 * 3 + " bytes, limit "
                    + limits.maxEncodedBytes());
        String compact = payload.indexOf('\n') >= 0 || payload.indexOf('\r') >= 0 || payload.indexOf(' ') >= 0
                ? payload.replaceAll("\\s+", "") : payload;
        if (compact.isEmpty()) throw new ImageInputException("empty image data");
        try {
            return Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            throw new ImageInputException("invalid base64 image data: " + e.getMessage(), e);
        }
    }

    public RgbImage decode(byte[] bytes) {
        if (bytes.length == 0) throw new ImageInputException("empty image data");
        if (bytes.length > limits.maxEncodedBytes())
            throw new ImageInputException("image data too large: " + bytes.length + " bytes, limit " + limits.maxEncodedBytes());
        Format format = sniff(bytes);
        PilRgb.Source source = PilRgb.Source.DEFAULT;
        if (format == Format.PNG) source = pngSource(bytes);
        ImageReader reader = reader(format);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            int width, height;
            try {
                width = reader.getWidth(0);
                height = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw new ImageInputException("corrupt " + format + " header: " + describe(e), e);
            }
            checkSize(format, width, height);
            TruncationCheck truncation = new TruncationCheck();
            reader.addIIOReadWarningListener(truncation);
            BufferedImage image;
            try {
                image = reader.read(0);
            } catch (IOException | RuntimeException e) {
                if (e instanceof ImageInputException iie) throw iie;
                if (format == Format.JPEG && "Unsupported Image Type".equals(e.getMessage()))
                    throw new ImageInputException("unsupported JPEG colour space (CMYK and YCCK JPEGs are not supported)", e);
                throw new ImageInputException("corrupt or truncated " + format + " image: " + describe(e), e);
            }
            if (truncation.warning != null)
                throw new ImageInputException("truncated " + format + " image: " + truncation.warning);
            if (image.getWidth() != width || image.getHeight() != height)
                throw new ImageInputException(format + " decoded to " + image.getWidth() + "x" + image.getHeight()
                        + " but its header says " + width + "x" + height);
            return PilRgb.convert(image, source);
        } catch (IOException e) {
            throw new ImageInputException("cannot read " + format + " image: " + describe(e), e);
        } finally {
            reader.dispose();
        }
    }

    private void checkSize(Format format, int width, int height) {
        if (width <= 0 || height <= 0)
            throw new ImageInputException(format + " image has no pixels: " + width + "x" + height);
        long pixels = (long) width * height;
        if (pixels > limits.maxPixels())
            throw new ImageInputException(format + " image too large: " + width + "x" + height + " = " + pixels
                    + " pixels, limit " + limits.maxPixels());
    }

    static Format sniff(byte[] b) {
        if (startsWith(b, 0, PNG_SIGNATURE)) return Format.PNG;
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) return Format.JPEG;
        if (startsWith(b, 0, ascii("GIF87a")) || startsWith(b, 0, ascii("GIF89a"))) return Format.GIF;
        if (startsWith(b, 0, ascii("RIFF")) && startsWith(b, 8, ascii("WEBP"))) return Format.WEBP;
        if (startsWith(b, 0, ascii("BM")) && b.length >= 26) return Format.BMP;
        throw new ImageInputException("not a supported image (PNG, JPEG, WebP, GIF, BMP): " + whatItLooksLike(b));
    }

    private static String whatItLooksLike(byte[] b) {
        if (startsWith(b, 0, ascii("II*\0")) || startsWith(b, 0, ascii("MM\0*"))) return "TIFF is not supported";
        if (startsWith(b, 4, ascii("ftyp"))) return "HEIF/AVIF is not supported";
        if (startsWith(b, 0, ascii("<svg")) || startsWith(b, 0, ascii("<?xml"))) return "SVG/XML is not supported";
        int n = Math.min(b.length, 16);
        boolean text = true;
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xFF;
            text &= c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7F);
        }
        if (text) return "the data looks like text: \"" + new String(b, 0, n, StandardCharsets.US_ASCII).replaceAll("\\s", " ") + "\"";
        return "unknown leading bytes " + HexFormat.ofDelimiter(" ").formatHex(b, 0, n);
    }

    /** PIL's view of a PNG from its IHDR: colour type 2 (RGB) ignores a tRNS key; 16-bit gray is mode "I". */
    private static PilRgb.Source pngSource(byte[] b) {
        if (b.length < 33 || !startsWith(b, 12, ascii("IHDR"))) throw new ImageInputException("truncated or corrupt PNG: no complete IHDR chunk at the start");
        long width = readU32(b, 16), height = readU32(b, 20);
        if (width == 0 || height == 0) throw new ImageInputException("PNG image has no pixels: " + width + "x" + height);
        int bitDepth = b[24] & 0xFF, colorType = b[25] & 0xFF;
        return new PilRgb.Source(colorType == 2, colorType == 0 && bitDepth == 16);
    }

    private static ImageReader reader(Format format) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName);
        if (!readers.hasNext()) throw new ImageInputException("no " + format + " decoder available");
        return readers.next();
    }

    /**
     * Java's JPEG reader only warns on a truncated file and fills the rest; PIL refuses it. Recorded here and checked
     * after the read (throwing from the listener would unwind through native decoder code).
     */
    private static final class TruncationCheck implements IIOReadWarningListener {
        String warning;

        @Override
        public void warningOccurred(ImageReader source, String message) {
            String m = message.toLowerCase(Locale.ROOT);
            if (warning == null && (m.contains("premature end") || m.contains("truncat"))) warning = message;
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && (m == null || !m.contains(cause.getMessage())))
            m = (m == null ? "" : m + ": ") + cause.getMessage();
        return m != null ? m : e.getClass().getSimpleName();
    }

    private static long readU32(byte[] b, int at) {
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (b.length < at + prefix.length) return false;
        for (int i = 0; i < prefix.length; i++) if (b[at + i] != prefix[i]) return false;
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
