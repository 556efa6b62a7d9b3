package io.sirocco.server;

import io.sirocco.engine.EngineRequest;
import io.sirocco.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * What the scripted engine answers in chat tests: a tool call when tools are active (a grammar is attached), the
 * final answer once the prompt holds a tool result, plain text otherwise.
 */
final class ChatScript {
    static final String ANSWER = "Hello! The sky is blue.";
    static final String AFTER_TOOL = "It is sunny in Paris.";
    static final String ARGS = "{\"city\": \"Paris\"}";

    static int[] answer(Tokenizer tok, EngineRequest r) {
        int toolResults = tok.specialId("[TOOL_RESULTS]").orElseThrow();
        boolean hasResult = IntStream.of(r.promptTokens()).anyMatch(t -> t == toolResults);
        if (hasResult) return withEos(tok, tok.encode(AFTER_TOOL));
        if (r.logitsProcessor() != null) {
            int[] name = tok.encode("get_weather");
            int[] args = tok.encode(ARGS);
            int[] out = new int[2 + name.length + args.length + 1];
            out[0] = tok.specialId("[TOOL_CALLS]").orElseThrow();
            System.arraycopy(name, 0, out, 1, name.length);
            out[1 + name.length] = tok.specialId("[ARGS]").orElseThrow();
            System.arraycopy(args, 0, out, 2 + name.length, args.length);
            out[out.length - 1] = tok.eosId();
            return out;
        }
        return withEos(tok, tok.encode(ANSWER));
    }

    static int[] withEos(Tokenizer tok, int[] ids) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = tok.eosId();
        return out;
    }
}
