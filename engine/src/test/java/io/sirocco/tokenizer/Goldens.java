package io.sirocco.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sirocco.testing.TestData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Reads the tokenizer goldens of the shared test data. */
final class Goldens {
    private Goldens() {}

    static final ObjectMapper JSON = new ObjectMapper();

    record Line(int index, String text, int[] ids) {}

    /** {@code tokenizer/*.jsonl}: one {"text", "ids"} per line. */
    static List<Line> jsonl(String relative) {
        try {
            List<Line> out = new ArrayList<>();
            for (String l : Files.readAllLines(TestData.file(relative))) {
                if (l.isBlank()) continue;
                JsonNode n = JSON.readTree(l);
                out.add(new Line(out.size(), n.get("text").asText(), ids(n.get("ids"))));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode tree(String relative) {
        try {
            return JSON.readTree(TestData.file(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = array.get(i).asInt();
        return ids;
    }
}
