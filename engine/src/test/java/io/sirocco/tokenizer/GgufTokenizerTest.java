package io.sirocco.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sirocco.format.gguf.GgufFile;
import io.sirocco.testing.TestData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GgufTokenizerTest {
    static final String TINY = "mistral-tiny/gguf/synth-mistral-small-3.2-tiny-mistral3-BF16.gguf";

    static Tokenizer tekkenGguf;
    static Tokenizer stories;

    @org.junit.jupiter.api.BeforeAll
    static void load() {
        tekkenGguf = Tokenizers.fromGgufMetadata(metadata(TINY));
        stories = Tokenizers.fromGgufMetadata(metadata("models/stories260K.gguf"));
    }

    static Map<String, Object> metadata(String relative) {
        try (GgufFile f = GgufFile.open(TestData.file(relative))) {
            return f.metadata();
        }
    }

    @Test
    void tekkenGgufMatchesMistralCommonOnAllGoldens() {
        Tokenizer tok = tekkenGguf;
        assertThat(tok).isInstanceOf(Gpt2BpeTokenizer.class);
        assertThat(tok.vocabSize()).isEqualTo(8192);
        assertThat(tok.bosId()).isEqualTo(1);
        assertThat(tok.eosId()).isEqualTo(2);
        assertThat(tok.specialId("[INST]")).hasValue(3);
        assertThat(tok.specialId("[CALL_ID]")).hasValue(33);
        TekkenTokenizerTest.checkAll(tok, Goldens.jsonl("tokenizer/public-8k.jsonl"));
    }

    @Test
    void tekkenGgufAgreesWithTekkenJsonTokenByToken() {
        Tokenizer gguf = tekkenGguf;
        Tokenizer json = Tokenizers.forModelDirectory(TestData.file("mistral-tiny/native"));
        assertThat(gguf.vocabSize()).isEqualTo(json.vocabSize());
        for (int id = 0; id < json.vocabSize(); id++) {
            if (!Arrays.equals(gguf.tokenBytes(id), json.tokenBytes(id)) || gguf.isSpecial(id) != json.isSpecial(id))
                throw new AssertionError("id " + id + " differs between the GGUF and tekken.json vocabularies");
        }
        String text = "[INST] typed specials </s> stay text; emoji 😀 and ünïcödé";
        assertThat(gguf.encode(text)).containsExactly(json.encode(text));
    }

    @Test
    void sentencePieceReproducesLlamaCppPrompts() {
        Tokenizer tok = stories;
        assertThat(tok).isInstanceOf(SentencePieceTokenizer.class);
        assertThat(tok.bosId()).isEqualTo(1);
        assertThat(tok.eosId()).isEqualTo(2);
        JsonNode prompts = Goldens.tree("models/stories260K.generation.json").get("prompts");
        assertThat(prompts.size()).isEqualTo(8);
        for (JsonNode p : prompts) {
            String text = p.get("text").asText();
            int[] want = Goldens.ids(p.get("prompt_ids"));
            int[] body = tok.encode(text);
            int[] got = new int[body.length + 1];
            got[0] = tok.bosId();
            System.arraycopy(body, 0, got, 1, body.length);
            assertThat(got).as(text).containsExactly(want);
            assertThat(tok.decode(want, SpecialTokenPolicy.IGNORE)).isEqualTo(text);
            StreamingDecoderTest.assertStreams(tok, want, SpecialTokenPolicy.IGNORE);
        }
    }

    @Test
    void sentencePieceByteFallbackRoundTrips() {
        Tokenizer tok = stories;
        for (String s : new String[] {"Hello world", "  two  spaces ", "line\nbreak\ttab", "日本語 😀", ""}) {
            int[] ids = tok.encode(s);
            assertThat(tok.decode(ids, SpecialTokenPolicy.IGNORE)).as(s).isEqualTo(s);
            StreamingDecoderTest.assertStreams(tok, ids, SpecialTokenPolicy.IGNORE);
        }
        // "<s>" typed in text is not BOS.
        assertThat(Arrays.stream(tok.encode("<s>")).noneMatch(id -> id == 1)).isTrue();
    }

    @Test
    void factoryReadsModelDirectories() {
        Path native_ = TestData.file("mistral-tiny/native");
        assertThat(Tokenizers.forModelDirectory(native_).vocabSize()).isEqualTo(8192);
    }
}
