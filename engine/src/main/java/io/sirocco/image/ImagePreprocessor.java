package io.sirocco.image;

/**
 * mistral-common's {@code transform_image} (spec §2.2): stretch the RGB image to the token grid's pixel size with
 * OpenCV's float32 INTER_CUBIC ({@link CubicResize}), then {@code x / 255} and {@code (x - mean) / std} per channel with
 * the CLIP statistics, CHW layout.
 *
 * <p>Arithmetic follows NumPy's dtypes there: the resized array is float32 and {@code / 255.0} keeps it float32
 * (a Python scalar does not widen an array); subtracting the mean tuple widens to float64; the result is cast to
 * float32 at the end (what vLLM / the tests see).
 */
public final class ImagePreprocessor {

    /** CLIP's per-channel mean and standard deviation (mistral-common DATASET_MEAN / DATASET_STD), RGB. */
    public static final double[] DATASET_MEAN = {0.48145466, 0.4578275, 0.40821073};
    public static final double[] DATASET_STD = {0.26862954, 0.26130258, 0.27577711};

    private final ImageConfig config;

    public ImagePreprocessor(ImageConfig config) {
        this.config = config;
    }

    public ImageConfig config() {
        return config;
    }

    public ImageGrid grid(RgbImage image) {
        return ImageGrid.of(image.width(), image.height(), config);
    }

    public PreprocessedImage preprocess(RgbImage image) {
        ImageGrid grid = grid(image);
        float[] hwc = resize(image, grid);
        return new PreprocessedImage(normalizeToChw(hwc, grid.pixelWidth(), grid.pixelHeight()), grid.pixelWidth(),
                grid.pixelHeight(), grid);
    }

    /** The image as float32 HWC (0..255) resized to the grid's pixel size: {@code cv2.resize(..., INTER_CUBIC)}. */
    static float[] resize(RgbImage image, ImageGrid grid) {
        return CubicResize.resize(image, grid.pixelWidth(), grid.pixelHeight());
    }

    /** mistral-common's {@code normalize}: HWC float32 in 0..255 (unclipped) to normalized CHW. */
    static float[] normalizeToChw(float[] hwc, int width, int height) {
        int plane = width * height;
        float[] chw = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            double mean = DATASET_MEAN[c], std = DATASET_STD[c];
            for (int p = 0, o = c * plane; p < plane; p++, o++) {
                float x = hwc[3 * p + c] / 255f;
                chw[o] = (float) ((x - mean) / std);
            }
        }
        return chw;
    }
}
