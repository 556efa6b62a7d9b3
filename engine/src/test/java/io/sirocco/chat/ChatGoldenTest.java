package io.sirocco.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sirocco.chat.instruct.EncodedPrompt;
import io.sirocco.chat.instruct.ValidationMode;
import io.sirocco.testing.TestData;
import io.sirocco.tokenizer.SpecialTokenPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** mistral-common 1.11.7's encodings and rejections (testdata README §8), record by record. */
class ChatGoldenTest {

    static List<JsonNode> jsonl(String relative) {
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(TestData.file(relative)))
                if (!line.isBlank()) out.add(ChatTokenizers.JSON.readTree(line));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TokenizerVersion version(JsonNode rec) {
        return TokenizerVersion.parse(rec.get("version").asText());
    }

    @TestFactory
    Stream<DynamicTest> publicRecordsEncodeToTheGoldenTokens() {
        return jsonl("chat/public.jsonl").stream().map(rec -> DynamicTest.dynamicTest(rec.get("id").asText(), () -> {
            TokenizerVersion v = version(rec);
            ChatRequest req = ChatRequests.fromOpenAi(rec.get("request"), ChatRequests.Limits.MISTRAL_COMMON);
            EncodedPrompt p = ChatTokenizers.encoder(v, ValidationMode.TEST).encode(req);
            int[] expected = ChatTokenizers.JSON.convertValue(rec.get("tokens"), int[].class);
            if (!java.util.Arrays.equals(p.tokens(), expected)) {
                String got = ChatTokenizers.get(v).decode(p.tokens(), SpecialTokenPolicy.KEEP);
                assertThat(got).as("decoded text").isEqualTo(rec.get("text").asText());
                assertThat(p.tokens()).isEqualTo(expected);
            }
            JsonNode imgs = rec.get("request_images");
            int nImages = imgs == null ? 0 : imgs.size();
            assertThat(p.images()).hasSize(rec.get("encoded_images").size());
            for (EncodedPrompt.ImageSlot slot : p.images()) {
                assertThat(p.tokens()[slot.offset()]).isIn(10, 13);
                assertThat(p.tokens()[slot.offset() + slot.grid().promptTokens() - 1]).isEqualTo(13);
                JsonNode shape = rec.get("encoded_images").get(slot.index()).get("shape");
                assertThat(slot.grid().pixelHeight()).isEqualTo(shape.get(1).asInt());
                assertThat(slot.grid().pixelWidth()).isEqualTo(shape.get(2).asInt());
            }
            assertThat(nImages).isGreaterThanOrEqualTo(p.images().size());

            // Serving mode: the same request (model injected if absent) is accepted or rejected like the reference.
            ObjectNode served = rec.get("request").deepCopy();
            if (rec.get("serving").path("model_injected").asBoolean(false)) served.put("model", "mistral-small-latest");
            ChatRequest sreq = ChatRequests.fromOpenAi(served, ChatRequests.Limits.MISTRAL_COMMON);
            JsonNode serving = rec.get("serving");
            if (serving.get("ok").asBoolean()) {
                assertThat(ChatTokenizers.encoder(v, ValidationMode.SERVING).encode(sreq).tokens()).isEqualTo(expected);
            } else {
                ChatException e = catchThrowableOfType(ChatException.class,
                        () -> ChatTokenizers.encoder(v, ValidationMode.SERVING).encode(sreq));
                assertMatches(e, serving);
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> invalidRecordsAreRejected() {
        return jsonl("chat/invalid_public.jsonl").stream().map(rec -> DynamicTest.dynamicTest(rec.get("id").asText(), () -> {
            TokenizerVersion v = version(rec);
            for (ValidationMode mode : ValidationMode.values()) {
                JsonNode expect = rec.get(mode == ValidationMode.TEST ? "test" : "serving");
                ObjectNode json = rec.get("request").deepCopy();
                if (expect.path("model_injected").asBoolean(false)) json.put("model", "mistral-small-latest");
                if (expect.get("ok").asBoolean()) {
                    int[] tokens = ChatTokenizers.encoder(v, mode)
                            .encode(ChatRequests.fromOpenAi(json, ChatRequests.Limits.MISTRAL_COMMON)).tokens();
                    assertThat(tokens).isEqualTo(ChatTokenizers.JSON.convertValue(expect.get("tokens"), int[].class));
                } else {
                    ChatException e = catchThrowableOfType(ChatException.class, () -> ChatTokenizers.encoder(v, mode)
                            .encode(ChatRequests.fromOpenAi(json, ChatRequests.Limits.MISTRAL_COMMON)));
                    assertMatches(e, expect);
                }
            }
        }));
    }

    /** Same stage; same exception class and leading text unless the reference failed a bare assert or pydantic check. */
    static void assertMatches(ChatException e, JsonNode expect) {
        assertThat(e).as("expected rejection: %s", expect).isNotNull();
        String stage = expect.get("stage").asText();
        String type = expect.get("error_type").asText();
        String error = expect.get("error").asText();
        assertThat(e.stage().name().toLowerCase()).as("stage of %s", e.getMessage()).isEqualTo(stage);
        if (stage.equals("convert") || type.equals("AssertionError")) return;
        assertThat(e.kind().referenceName()).as("type of %s", e.getMessage()).isEqualTo(type);
        int n = Math.min(40, Math.min(error.length(), e.reason().length()));
        assertThat(e.reason().substring(0, n)).as("reason").isEqualTo(error.substring(0, n));
    }
}
