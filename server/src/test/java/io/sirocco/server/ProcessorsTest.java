package io.sirocco.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sirocco.sample.LogitsProcessor;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProcessorsTest {

    static float[] run(LogitsProcessor p, int vocab) {
        float[] logits = new float[vocab + 2];
        Arrays.fill(logits, 1f);
        p.process(logits, 2, vocab);  // at an offset, as rows of a batch
        return Arrays.copyOfRange(logits, 2, vocab + 2);
    }

    @Test
    void badWordMasksItsLastTokenOnlyAfterItsPrefix() {
        LogitsProcessor p = Processors.badWords(List.of(new int[] {3, 4, 5}, new int[] {7}));
        assertThat(run(p, 10)[5]).isEqualTo(1f);
        assertThat(run(p, 10)[7]).isEqualTo(Float.NEGATIVE_INFINITY);  // one-token word: always
        p.accept(3);
        assertThat(run(p, 10)[5]).isEqualTo(1f);
        p.accept(4);
        assertThat(run(p, 10)[5]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(run(p, 10)[4]).isEqualTo(1f);
        p.accept(6);
        assertThat(run(p, 10)[5]).isEqualTo(1f);
        assertThat(Processors.badWords(List.of())).isNull();
    }

    @Test
    void allowedTokensMaskEverythingElse() {
        float[] out = run(Processors.allowedTokens(Set.of(1, 8)), 10);
        for (int i = 0; i < 10; i++) assertThat(out[i]).isEqualTo(i == 1 || i == 8 ? 1f : Float.NEGATIVE_INFINITY);
        assertThat(Processors.allowedTokens(null)).isNull();
    }

    @Test
    void minTokensBansEosUntilEnoughWereGenerated() {
        LogitsProcessor p = Processors.minTokens(2, Set.of(2));
        assertThat(run(p, 4)[2]).isEqualTo(Float.NEGATIVE_INFINITY);
        p.accept(3);
        p.accept(3);
        assertThat(run(p, 4)[2]).isEqualTo(1f);
    }
}
