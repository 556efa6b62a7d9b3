package io.sirocco.server;

import io.sirocco.tokenizer.SpecialTokenPolicy;
import io.sirocco.tokenizer.StreamingDecoder;
import io.sirocco.tokenizer.Tokenizer;
import java.util.List;
import java.util.Set;

/**
 * The text of one choice as tokens arrive: incremental detokenization (never half a UTF-8 character) followed by the
 * stop strings. Stop tokens (EOS, stop_token_ids) add no text, as in vLLM.
 */
final class ChoiceText {
    private final StreamingDecoder decoder;
    private final StopFilter stops;
    private final Set<Integer> silentIds;

    /** @param silentIds ids whose text is never emitted (EOS unless ignore_eos, the stop_token_ids) */
    ChoiceText(Tokenizer tokenizer, SpecialTokenPolicy policy, List<String> stops, boolean includeStop, Set<Integer> silentIds) {
        this.decoder = tokenizer.streamingDecoder(policy);
        this.stops = new StopFilter(stops, includeStop);
        this.silentIds = silentIds;
    }

    /** Feeds one generated token; returns the text that is now safe to emit (possibly empty). */
    String push(int id) {
        if (stops.matched() != null || silentIds.contains(id)) return "";
        return stops.push(decoder.push(id));
    }

    /** The end of generation: whatever is still held back (incomplete UTF-8 becomes U+FFFD). */
    String finish() {
        if (stops.matched() != null) return "";
        stops.push(decoder.flush());
        return stops.finish();
    }

    /** The stop string that ended the text, or null. */
    String matchedStop() {
        return stops.matched();
    }
}
