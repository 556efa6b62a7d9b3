package io.sirocco.server;

import io.sirocco.sample.LogitsProcessor;
import io.sirocco.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Request-level logits processors (logit_bias, allowed_token_ids, bad_words, min_tokens) and their composition with a
 * grammar. They run on the engine thread; each choice gets fresh instances (some keep state).
 */
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

    /** vLLM allowed_token_ids: every other token is masked. */
    static LogitsProcessor allowedTokens(Set<Integer> allowed) {
        if (allowed == null) return null;
        return new LogitsProcessor() {
            @Override
            public void process(float[] logits, int offset, int vocab) {
                for (int i = 0; i < vocab; i++) if (!allowed.contains(i)) logits[offset + i] = Float.NEGATIVE_INFINITY;
            }

            @Override
            public void accept(int tokenId) {}
        };
    }

    /**
     * vLLM's tokenization of bad_words: each word (leading spaces stripped) as is, and with one leading space when that
     * gives the same number of tokens but a different first token (the form it takes inside a sentence).
     */
    static List<int[]> badWordIds(Tokenizer tok, List<String> words) {
        List<int[]> out = new ArrayList<>();
        for (String w : words) {
            String bare = w.stripLeading();
            int[] plain = tok.encode(bare);
            if (plain.length > 0) out.add(plain);
            int[] spaced = tok.encode(" " + bare);
            if (spaced.length > 0 && (plain.length == 0 || spaced.length == plain.length && spaced[0] != plain[0])) out.add(spaced);
        }
        return out;
    }

    /**
     * bad_words as token sequences: a sequence's last token is masked when the generated tokens end with the rest of it
     * (a one-token word is always masked). Only generated tokens count, as in vLLM.
     */
    static LogitsProcessor badWords(List<int[]> words) {
        if (words.isEmpty()) return null;
        return new LogitsProcessor() {
            private final List<Integer> generated = new ArrayList<>();

            @Override
            public void process(float[] logits, int offset, int vocab) {
                for (int[] w : words) {
                    int last = w[w.length - 1];
                    if (last < vocab && endsWith(w, w.length - 1)) logits[offset + last] = Float.NEGATIVE_INFINITY;
                }
            }

            private boolean endsWith(int[] w, int n) {
                if (generated.size() < n) return false;
                for (int i = 0; i < n; i++) if (generated.get(generated.size() - n + i) != w[i]) return false;
                return true;
            }

            @Override
            public void accept(int tokenId) {
                generated.add(tokenId);
            }
        };
    }
}
