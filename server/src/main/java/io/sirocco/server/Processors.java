package io.sirocco.server;

import io.sirocco.sample.LogitsProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Request-level logits processors (logit_bias, min_tokens) and their composition with a grammar. */
final class Processors {
    private Processors() {}

    /** Chains processors in order; null entries are skipped; null if none is left. */
    static LogitsProcessor chain(List<LogitsProcessor> list) {
        List<LogitsProcessor> ps = new ArrayList<>();
        for (LogitsProcessor p : list) if (p != null) ps.add(p);
        if (ps.isEmpty()) return null;
        if (ps.size() == 1) return ps.get(0);
        return new LogitsProcessor() {
            @Override
            public void process(float[] logits, int offset, int vocab) {
                for (LogitsProcessor p : ps) p.process(logits, offset, vocab);
            }

            @Override
            public void accept(int tokenId) {
                for (LogitsProcessor p : ps) p.accept(tokenId);
            }
        };
    }

    /** OpenAI logit_bias: adds a bias in [-100, 100] to a token's logit (-100 effectively bans it). */
    static LogitsProcessor logitBias(Map<Integer, Float> bias) {
        if (bias.isEmpty()) return null;
        return new LogitsProcessor() {
            @Override
            public void process(float[] logits, int offset, int vocab) {
                for (var e : bias.entrySet()) if (e.getKey() < vocab) logits[offset + e.getKey()] += e.getValue();
            }

            @Override
            public void accept(int tokenId) {}
        };
    }

    /** vLLM min_tokens: EOS and the stop token ids cannot be chosen before {@code min} tokens were generated. */
    static LogitsProcessor minTokens(int min, Set<Integer> banned) {
        if (min <= 0 || banned.isEmpty()) return null;
        return new LogitsProcessor() {
            private int generated;

            @Override
            public void process(float[] logits, int offset, int vocab) {
                if (generated >= min) return;
                for (int id : banned) if (id < vocab) logits[offset + id] = Float.NEGATIVE_INFINITY;
            }

            @Override
            public void accept(int tokenId) {
                generated++;
            }
        };
    }
}
