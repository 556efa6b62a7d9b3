package io.sirocco.sample.grammar;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.WeakHashMap;

/** Random walks under a grammar mask: the property-test driver. */
final class GrammarSampling {
    private GrammarSampling() {}

    private static final Map<Tokenizer, boolean[]> CLOSERS = new WeakHashMap<>();

    /** One sampled output: the token ids (without EOS), and whether it ended with EOS. */
    record Sample(List<Integer> ids, byte[] bytes, boolean complete) {}

    /** Tokens that tend to end things: special tokens, and text containing a closing byte {@code " } ]}. */
    private static synchronized boolean[] closers(Tokenizer tok) {
        return CLOSERS.computeIfAbsent(tok, t -> {
            boolean[] c = new boolean[t.vocabSize()];
            for (int id = 0; id < c.length; id++) {
                if (t.isSpecial(id)) {
                    c[id] = true;
                    continue;
                }
                for (byte b : t.tokenBytes(id)) if (b == '"' || b == '}' || b == ']') c[id] = true;
            }
            return c;
        });
    }

    /**
     * Picks uniformly among allowed tokens, but with probability 0.15 among allowed special tokens and with probability
     * {@code closeBias} among the "closers" (special tokens, or text with {@code " } ]}) so that walks end; stops with probability 1/2 whenever EOS is allowed.
     * Checks at every step that some token is allowed and that a non-EOS token is allowed while incomplete.
     */
    static Sample walk(GrammarLogitsProcessor p, Tokenizer tok, Random rnd, int maxSteps, double closeBias) {
        boolean[] closer = closers(tok);
        List<Integer> ids = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int eos = tok.eosId();
        int[] others = new int[tok.vocabSize()], closers = new int[tok.vocabSize()];
        for (int step = 0; step < maxSteps; step++) {
            int[] allowed = p.allowedTokens();
            assertThat(allowed).as("mask empty at step %d", step).isNotEmpty();
            boolean eosOk = false;
            int no = 0, nc = 0;
            for (int id : allowed) {
                if (id == eos) {
                    eosOk = true;
                    continue;
                }
                others[no++] = id;
                if (closer[id]) closers[nc++] = id;
            }
            assertThat(eosOk).isEqualTo(p.isComplete());
            if (!p.isComplete()) assertThat(no).as("no non-EOS token while incomplete at step %d", step).isPositive();
            if (eosOk && (no == 0 || rnd.nextBoolean())) {
                p.accept(eos);
                assertThat(p.allowedTokens()).containsExactly(eos);
                return new Sample(ids, out.toByteArray(), true);
            }
            int specials = 0;
            for (int k = 0; k < no && tok.isSpecial(others[k]); k++) specials++;   // ids ascend: specials first
            int id = specials > 0 && rnd.nextDouble() < 0.15 ? others[rnd.nextInt(specials)]
                    : nc > 0 && rnd.nextDouble() < closeBias ? closers[rnd.nextInt(nc)] : others[rnd.nextInt(no)];
            p.accept(id);
            ids.add(id);
            out.writeBytes(tok.isSpecial(id) ? ("<" + id + ">").getBytes() : tok.tokenBytes(id));
        }
        return new Sample(ids, out.toByteArray(), false);
    }
}
