package io.sirocco.chat;

import static io.sirocco.chat.TokenizerVersion.V11;
import static io.sirocco.chat.TokenizerVersion.V13;
import static io.sirocco.chat.TokenizerVersion.V15;
import static io.sirocco.chat.TokenizerVersion.V3;
import static io.sirocco.chat.TokenizerVersion.V7;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sirocco.chat.instruct.EncodedPrompt;
import io.sirocco.chat.instruct.ValidationMode;
import io.sirocco.tokenizer.SpecialTokenPolicy;
import io.sirocco.tokenizer.Tokenizer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hand-written conversations in every message shape and version, with the expected prompt written from the spec
 * (§4.3–4.5) as readable text: control tokens by name, text in between. The expected ids are built by encoding each
 * text piece on its own, so BPE boundaries are checked as well as the layout.
 */
class InstructEncoderTableTest {

    static final ObjectMapper LENIENT = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES, JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES).build();

    static final String TOOLS = "tools: [{type: 'function', function: {name: 'f', description: 'd', parameters: {type: 'object'}}}]";
    static final String TJ = "[AVAILABLE_TOOLS][{\"type\": \"function\", \"function\": {\"name\": \"f\", \"description\": \"d\", \"parameters\": {\"type\": \"object\"}}}][/AVAILABLE_TOOLS]";
    static final String CALL = "{role: 'assistant', tool_calls: [{id: 'abcDEF123', type: 'function', function: {name: 'f', arguments: '{\"x\":1}'}}]}";
    static final String CALL2 = "{role: 'assistant', tool_calls: [{id: 'abcDEF123', function: {name: 'f', arguments: '{}'}}, {id: 'zyxWVU987', function: {name: 'g', arguments: '{}'}}]}";
    static final String RESULT = "{role: 'tool', tool_call_id: 'abcDEF123', content: 'r'}";
    static final String RESULT2_REVERSED = "{role: 'tool', tool_call_id: 'zyxWVU987', content: 'r2'}, {role: 'tool', tool_call_id: 'abcDEF123', content: 'r1'}";
    static final String MS_NONE = "[MODEL_SETTINGS]{\"reasoning_effort\": \"none\"}[/MODEL_SETTINGS]";
    static final String IMG = image(56, 28); // v7+: 2×1 merged tokens; v3 (16 px, no merge): 4×2

    static String image(int w, int h) {
        try {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(img, "png", bytes);
            return "{type: 'image_url', image_url: {url: 'data:image/png;base64," + Base64.getEncoder().encodeToString(bytes.toByteArray()) + "'}}";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Arguments c(TokenizerVersion v, String name, String messages, String extra, String expected) {
        return Arguments.of(v, name, "{messages: [" + messages + "]" + (extra.isEmpty() ? "" : ", " + extra) + "}", expected);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // ---- v11 (Mistral Small 3.2) ----
                c(V11, "user only", "{role: 'user', content: 'Hi'}", "", "<s>[INST]Hi[/INST]"),
                c(V11, "system + user", "{role: 'system', content: 'S'}, {role: 'user', content: 'Hi'}", "", "<s>[SYSTEM_PROMPT]S[/SYSTEM_PROMPT][INST]Hi[/INST]"),
                c(V11, "multi-turn", "{role: 'user', content: 'a'}, {role: 'assistant', content: 'b'}, {role: 'user', content: 'c'}", "", "<s>[INST]a[/INST]b</s>[INST]c[/INST]"),
                c(V11, "tools, one user", "{role: 'user', content: 'Hi'}", TOOLS, "<s>" + TJ + "[INST]Hi[/INST]"),
                c(V11, "tools before the last user", "{role: 'user', content: 'a'}, {role: 'assistant', content: 'b'}, {role: 'user', content: 'c'}", TOOLS,
                        "<s>[INST]a[/INST]b</s>" + TJ + "[INST]c[/INST]"),
                c(V11, "tool round trip", "{role: 'user', content: 'q'}, " + CALL + ", " + RESULT, TOOLS,
                        "<s>" + TJ + "[INST]q[/INST][TOOL_CALLS]f[CALL_ID]abcDEF123[ARGS]{\"x\": 1}</s>[TOOL_RESULTS]abcDEF123[TOOL_CONTENT]r[/TOOL_RESULTS]"),
                c(V11, "content and call", "{role: 'user', content: 'q'}, {role: 'assistant', content: 'Let me check. ', tool_calls: [{id: 'abcDEF123', function: {name: 'f', arguments: ''}}]}, " + RESULT, "",
                        "<s>[INST]q[/INST]Let me check.[TOOL_CALLS]f[CALL_ID]abcDEF123[ARGS]{}</s>[TOOL_RESULTS]abcDEF123[TOOL_CONTENT]r[/TOOL_RESULTS]"),
                c(V11, "parallel calls, results re-sorted", "{role: 'user', content: 'q'}, " + CALL2 + ", " + RESULT2_REVERSED, "",
                        "<s>[INST]q[/INST][TOOL_CALLS]f[CALL_ID]abcDEF123[ARGS]{}[TOOL_CALLS]g[CALL_ID]zyxWVU987[ARGS]{}</s>"
                                + "[TOOL_RESULTS]abcDEF123[TOOL_CONTENT]r1[/TOOL_RESULTS][TOOL_RESULTS]zyxWVU987[TOOL_CONTENT]r2[/TOOL_RESULTS]"),
                c(V11, "prefix", "{role: 'user', content: 'q'}, {role: 'assistant', content: 'Par', prefix: true}", "", "<s>[INST]q[/INST]Par"),
                c(V11, "continue_final_message strips spaces", "{role: 'user', content: 'q'}, {role: 'assistant', content: 'Once  '}", "continue_final_message: true", "<s>[INST]q[/INST]Once"),
                c(V11, "text then image: image first", "{role: 'user', content: [{type: 'text', text: 'What?'}, " + IMG + "]}", "", "<s>[INST][IMG][IMG][IMG_END]What?[/INST]"),
                c(V11, "image then text", "{role: 'user', content: [" + IMG + ", {type: 'text', text: 'What?'}]}", "", "<s>[INST][IMG][IMG][IMG_END]What?[/INST]"),
                c(V11, "text image text", "{role: 'user', content: [{type: 'text', text: 'a'}, " + IMG + ", {type: 'text', text: 'b'}]}", "", "<s>[INST]a[IMG][IMG][IMG_END]b[/INST]"),
                c(V11, "consecutive users joined", "{role: 'user', content: 'a'}, {role: 'user', content: 'b'}", "", "<s>[INST]a\n\nb[/INST]"),
                c(V11, "text chunks joined", "{role: 'user', content: [{type: 'text', text: 'a'}, {type: 'text', text: 'b'}]}", "", "<s>[INST]a\n\nb[/INST]"),
                c(V11, "system in the middle", "{role: 'user', content: 'a'}, {role: 'system', content: 's'}, {role: 'user', content: 'b'}", "",
                        "<s>[INST]a[/INST][SYSTEM_PROMPT]s[/SYSTEM_PROMPT][INST]b[/INST]"),
                c(V11, "call without id (test mode)", "{role: 'user', content: 'q'}, {role: 'assistant', tool_calls: [{function: {name: 'f', arguments: '{}'}}]}, {role: 'user', content: 'n'}", "",
                        "<s>[INST]q[/INST][TOOL_CALLS]f[ARGS]{}</s>[INST]n[/INST]"),
                c(V11, "python floats in arguments", "{role: 'user', content: 'q'}, {role: 'assistant', tool_calls: [{id: 'abcDEF123', function: {name: 'f', arguments: '{\"a\": 1e10, \"b\": 1E-7, \"c\": 2.50}'}}]}, " + RESULT, "",
                        "<s>[INST]q[/INST][TOOL_CALLS]f[CALL_ID]abcDEF123[ARGS]{\"a\": 10000000000.0, \"b\": 1e-07, \"c\": 2.5}</s>[TOOL_RESULTS]abcDEF123[TOOL_CONTENT]r[/TOOL_RESULTS]"),
                c(V11, "invalid JSON arguments become a string", "{role: 'user', content: 'q'}, {role: 'assistant', tool_calls: [{id: 'abcDEF123', function: {name: 'f', arguments: 'oops'}}]}, " + RESULT, "",
                        "<s>[INST]q[/INST][TOOL_CALLS]f[CALL_ID]abcDEF123[ARGS]\"oops\"</s>[TOOL_RESULTS]abcDEF123[TOOL_CONTENT]r[/TOOL_RESULTS]"),
                c(V11, "empty system kept", "{role: 'system', content: ''}, {role: 'user', content: 'Hi'}", "", "<s>[SYSTEM_PROMPT][/SYSTEM_PROMPT][INST]Hi[/INST]"),

                // ---- v7 (Mistral Small 3.1) ----
                c(V7, "user only", "{role: 'user', content: 'Hi'}", "", "<s>[INST]Hi[/INST]"),
                c(V7, "system + user", "{role: 'system', content: 'S'}, {role: 'user', content: 'Hi'}", "", "<s>[SYSTEM_PROMPT]S[/SYSTEM_PROMPT][INST]Hi[/INST]"),
                c(V7, "tool round trip (JSON list)", "{role: 'user', content: 'q'}, " + CALL + ", " + RESULT, TOOLS,
                        "<s>" + TJ + "[INST]q[/INST][TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"x\": 1}, \"id\": \"abcDEF123\"}]</s>[TOOL_RESULTS]abcDEF123[TOOL_CONTENT]r[/TOOL_RESULTS]"),
                c(V7, "results keep input order", "{role: 'user', content: 'q'}, " + CALL2 + ", " + RESULT2_REVERSED, "",
                        "<s>[INST]q[/INST][TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}, \"id\": \"abcDEF123\"}, {\"name\": \"g\", \"arguments\": {}, \"id\": \"zyxWVU987\"}]</s>"
                                + "[TOOL_RESULTS]zyxWVU987[TOOL_CONTENT]r2[/TOOL_RESULTS][TOOL_RESULTS]abcDEF123[TOOL_CONTENT]r1[/TOOL_RESULTS]"),
                c(V7, "tools before the last user", "{role: 'user', content: 'a'}, {role: 'assistant', content: 'b'}, {role: 'user', content: 'c'}", TOOLS,
                        "<s>[INST]a[/INST]b</s>" + TJ + "[INST]c[/INST]"),
                c(V7, "image", "{role: 'user', content: [{type: 'text', text: 'See'}, " + IMG + "]}", "", "<s>[INST][IMG][IMG][IMG_END]See[/INST]"),
                c(V7, "prefix", "{role: 'user', content: 'q'}, {role: 'assistant', content: 'Par', prefix: true}", "", "<s>[INST]q[/INST]Par"),
                c(V7, "content and call", "{role: 'user', content: 'q'}, {role: 'assistant', content: 'ok', tool_calls: [{id: 'abcDEF123', function: {name: 'f', arguments: '{}'}}]}, " + RESULT, "",
                        "<s>[INST]q[/INST]ok[TOOL_CALLS][{\"name\": \"f\", \"arguments\": {}, \"id\": \"abcDEF123\"}]</s>[TOOL_RESULTS]abcDEF123[TOOL_CONTENT]r[/TOOL_RESULTS]"),
                c(V7, "two systems stay separate", "{role: 'system', content: 'A'}, {role: 'system', content: 'B'}, {role: 'user', content: 'Hi'}", "",
                        "<s>[SYSTEM_PROMPT]A[/SYSTEM_PROMPT][SYSTEM_PROMPT]B[/SYSTEM_PROMPT][INST]Hi[/INST]"),

                // ---- v3 (NeMo / Pixtral 12B) ----
                c(V3, "user only", "{role: 'user', content: 'Hi'}", "", "<s>[INST]Hi[/INST]"),
                c(V3, "system folded into the last user", "{role: 'system', content: 'S'}, {role: 'user', content: 'a'}, {role: 'assistant', content: 'b'}, {role: 'user', content: 'c'}", "",
                        "<s>[INST]a[/INST]b</s>[INST]S\n\nc[/INST]"),
                c(V3, "system only", "{role: 'system', content: 'S'}", "", "<s>[INST]S\n\n[/INST]"),
                c(V3, "assistant first gets an empty user turn", "{role: 'assistant', content: 'x'}, {role: 'user', content: 'y'}", "", "<s>[INST][/INST]x</s>[INST]y[/INST]"),
                c(V3, "tool round trip (JSON result)", "{role: 'user', content: 'q'}, " + CALL + ", {role: 'tool', tool_call_id: 'abcDEF123', content: '{\"a\":1}'}", TOOLS,
                        "<s>" + TJ + "[INST]q[/INST][TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"x\": 1}, \"id\": \"abcDEF123\"}]</s>[TOOL_RESULTS]{\"content\": {\"a\": 1}, \"call_id\": \"abcDEF123\"}[/TOOL_RESULTS]"),
                c(V3, "empty tool result is {}", "{role: 'user', content: 'q'}, " + CALL + ", {role: 'tool', tool_call_id: 'abcDEF123', content: ''}", "",
                        "<s>[INST]q[/INST][TOOL_CALLS][{\"name\": \"f\", \"arguments\": {\"x\": 1}, \"id\": \"abcDEF123\"}]</s>[TOOL_RESULTS]{\"content\": {}, \"call_id\": \"abcDEF123\"}[/TOOL_RESULTS]"),
                c(V3, "image with 16 px patches", "{role: 'user', content: [" + IMG + ", {type: 'text', text: 'x'}]}", "",
                        "<s>[INST][IMG][IMG][IMG][IMG][IMG_BREAK][IMG][IMG][IMG][IMG][IMG_END]x[/INST]"),
                c(V3, "system with image user", "{role: 'system', content: 'S'}, {role: 'user', content: [" + IMG + ", {type: 'text', text: 'x'}]}", "",
                        "<s>[INST]S\n\n[IMG][IMG][IMG][IMG][IMG_BREAK][IMG][IMG][IMG][IMG][IMG_END]x[/INST]"),

                // ---- v13 (Devstral / Magistral 2507) ----
                c(V13, "tools before the first user", "{role: 'user', content: 'a'}, {role: 'assistant', content: 'b'}, {role: 'user', content: 'c'}", TOOLS,
                        "<s>" + TJ + "[INST]a[/INST]b</s>[INST]c[/INST]"),
                c(V13, "call without call id, bare result", "{role: 'user', content: 'q'}, " + CALL + ", " + RESULT, "",
                        "<s>[INST]q[/INST][TOOL_CALLS]f[ARGS]{\"x\": 1}</s>[TOOL_RESULTS]r[/TOOL_RESULTS]"),
                c(V13, "think chunk", "{role: 'user', content: 'q'}, {role: 'assistant', content: [{type: 'thinking', thinking: 't'}, {type: 'text', text: 'a'}]}, {role: 'user', content: 'n'}", "",
                        "<s>[INST]q[/INST][THINK]t[/THINK]a</s>[INST]n[/INST]"),
                c(V13, "reasoning_content field", "{role: 'user', content: 'q'}, {role: 'assistant', content: 'a', reasoning_content: 't'}, {role: 'user', content: 'n'}", "",
                        "<s>[INST]q[/INST][THINK]t[/THINK]a</s>[INST]n[/INST]"),
                c(V13, "unclosed think prefix", "{role: 'user', content: 'q'}, {role: 'assistant', content: [{type: 'thinking', thinking: 't', closed: false}], prefix: true}", "",
                        "<s>[INST]q[/INST][THINK]t"),
                c(V13, "think chunk in a system message", "{role: 'system', content: [{type: 'text', text: 'a'}, {type: 'thinking', thinking: 't'}, {type: 'text', text: 'b'}]}, {role: 'user', content: 'q'}", "",
                        "<s>[SYSTEM_PROMPT]a[THINK]t[/THINK]b[/SYSTEM_PROMPT][INST]q[/INST]"),
                c(V13, "parallel results re-sorted", "{role: 'user', content: 'q'}, " + CALL2 + ", " + RESULT2_REVERSED, "",
                        "<s>[INST]q[/INST][TOOL_CALLS]f[ARGS]{}[TOOL_CALLS]g[ARGS]{}</s>[TOOL_RESULTS]r1[/TOOL_RESULTS][TOOL_RESULTS]r2[/TOOL_RESULTS]"),
                c(V13, "assistant of spaces is just EOS", "{role: 'user', content: 'q'}, {role: 'assistant', content: '   '}, {role: 'user', content: 'n'}", "",
                        "<s>[INST]q[/INST]</s>[INST]n[/INST]"),

                // ---- v15 (Small 4) ----
                c(V15, "default reasoning effort", "{role: 'user', content: 'q'}", "", "<s>" + MS_NONE + "[INST]q[/INST]"),
                c(V15, "high effort after the tools", "{role: 'user', content: 'q'}", TOOLS + ", reasoning_effort: 'high'",
                        "<s>" + TJ + "[MODEL_SETTINGS]{\"reasoning_effort\": \"high\"}[/MODEL_SETTINGS][INST]q[/INST]"),
                c(V15, "text chunks joined without separator", "{role: 'user', content: [{type: 'text', text: 'a'}, {type: 'text', text: 'b'}]}", "", "<s>" + MS_NONE + "[INST]ab[/INST]"),
                c(V15, "image in a tool result", "{role: 'user', content: 'q'}, " + CALL + ", {role: 'tool', tool_call_id: 'abcDEF123', content: [{type: 'text', text: 'see:'}, " + IMG + "]}", "",
                        "<s>" + MS_NONE + "[INST]q[/INST][TOOL_CALLS]f[ARGS]{\"x\": 1}</s>[TOOL_RESULTS]see:[IMG][IMG][IMG_END][/TOOL_RESULTS]"),
                c(V15, "system, settings before the first user", "{role: 'system', content: 'S'}, {role: 'user', content: 'a'}, {role: 'assistant', content: 'b'}, {role: 'user', content: 'c'}", "",
                        "<s>[SYSTEM_PROMPT]S[/SYSTEM_PROMPT]" + MS_NONE + "[INST]a[/INST]b</s>[INST]c[/INST]"),
                c(V15, "no user: no tools, no settings", "{role: 'system', content: 'S'}", TOOLS, "<s>[SYSTEM_PROMPT]S[/SYSTEM_PROMPT]"),
                c(V15, "think then call", "{role: 'user', content: 'q'}, {role: 'assistant', content: [{type: 'thinking', thinking: 't'}], tool_calls: [{id: 'abcDEF123', function: {name: 'f', arguments: '{}'}}]}, " + RESULT, "",
                        "<s>" + MS_NONE + "[INST]q[/INST][THINK]t[/THINK][TOOL_CALLS]f[ARGS]{}</s>[TOOL_RESULTS]r[/TOOL_RESULTS]"));
    }

    static final Pattern SPECIAL = Pattern.compile("<s>|</s>|\\[/?[A-Z_]+\\]");

    /** Control token names → their ids; text between them encoded piece by piece (as the encoder must). */
    static int[] expectedIds(Tokenizer tok, String readable) {
        List<Integer> ids = new ArrayList<>();
        Matcher m = SPECIAL.matcher(readable);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) for (int id : tok.encode(readable.substring(last, m.start()))) ids.add(id);
            ids.add(tok.specialId(m.group()).orElseThrow(() -> new IllegalArgumentException("no special " + m.group())));
            last = m.end();
        }
        if (last < readable.length()) for (int id : tok.encode(readable.substring(last))) ids.add(id);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void encodes(TokenizerVersion v, String name, String json, String expected) throws Exception {
        JsonNode request = LENIENT.readTree(json);
        Tokenizer tok = ChatTokenizers.get(v);
        EncodedPrompt p = ChatTokenizers.encoder(v, ValidationMode.TEST).encode(ChatRequests.fromOpenAi(request));
        assertThat(tok.decode(p.tokens(), SpecialTokenPolicy.KEEP)).isEqualTo(expected);
        assertThat(p.tokens()).isEqualTo(expectedIds(tok, expected));
    }
}
