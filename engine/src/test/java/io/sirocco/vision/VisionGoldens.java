package io.sirocco.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.image.ImageConfig;
import io.sirocco.image.ImageDecoder;
import io.sirocco.image.ImagePreprocessor;
import io.sirocco.image.PreprocessedImage;
import io.sirocco.model.Model;
import io.sirocco.testing.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The vision goldens of testdata README §7: cases, their preprocessed images, reference tensors; the model in both forms. */
final class VisionGoldens {
    private VisionGoldens() {}

    static final String DIR = "vision/goldens/public/";
    private static final ObjectMapper JSON = new ObjectMapper();

    static Model nativeModel() {
        return Model.load(TestData.file("vision/model"));
    }

    static Model ggufModel() {
        return Model.load(TestData.file("vision/model/text-bf16.gguf"), null, TestData.file("vision/model/mmproj-f32.gguf"));
    }

    static List<String> cases() {
        try (Stream<Path> files = Files.list(TestData.file(DIR))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).map(n -> n.replace(".json", "")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String name) {
        try {
            return JSON.readTree(TestData.file(DIR + name + ".json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The case's images, preprocessed as mistral-common does (the JPEG from the pixels PIL decoded). */
    static List<PreprocessedImage> images(JsonNode c) {
        ImagePreprocessor pre = new ImagePreprocessor(ImageConfig.MISTRAL_SMALL_3);
        List<PreprocessedImage> out = new ArrayList<>();
        for (JsonNode info : c.get("image_info")) {
            String file = info.get("pil_decoded_png").isNull() ? "vision/" + info.get("file").asText() : DIR + info.get("pil_decoded_png").asText();
            try {
                out.add(pre.preprocess(new ImageDecoder().decode(Files.readAllBytes(TestData.file(file)))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    static float[] f32(String file) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(TestData.file(DIR + file))).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[buf.remaining() / 4];
            buf.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((double) a[i] - b[i]));
        return m;
    }
}
