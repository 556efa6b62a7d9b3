package io.sirocco.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Splits an SSE body into its JSON events (without the final [DONE]). */
final class Sse {
    private Sse() {}

    static List<JsonNode> events(String body) {
        List<JsonNode> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (!block.startsWith("data: ")) throw new AssertionError("not an SSE event: " + block);
            String data = block.substring(6);
            if (data.equals("[DONE]")) continue;
            try {
                out.add(Json.MAPPER.readTree(data));
            } catch (Exception e) {
                throw new AssertionError(data, e);
            }
        }
        return out;
    }
}
