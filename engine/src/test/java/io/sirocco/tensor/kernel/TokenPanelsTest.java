package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Panel plans: widest panels first, the remainder in the fewest panels that leave less padding than the smallest. */
class TokenPanelsTest {
    @Test
    void plans() {
        assertThat(TokenPanels.plan(16, 64, 32, 16).width()).containsExactly(16);
        assertThat(TokenPanels.plan(20, 64, 32, 16).width()).containsExactly(32);
        assertThat(TokenPanels.plan(40, 64, 32, 16).width()).containsExactly(32, 16);
        assertThat(TokenPanels.plan(48, 64, 32, 16).width()).containsExactly(32, 16);
        assertThat(TokenPanels.plan(50, 64, 32, 16).width()).containsExactly(64);
        assertThat(TokenPanels.plan(130, 64, 32, 16).width()).containsExactly(64, 64, 16);
        assertThat(TokenPanels.plan(130, 64, 32, 16).start()).containsExactly(0, 64, 128);
        assertThat(TokenPanels.plan(33, 32, 16).width()).containsExactly(32, 16);
        assertThat(TokenPanels.plan(50, 32, 16).width()).containsExactly(32, 32);
        for (int n = 1; n < 300; n++) {
            TokenPanels p = TokenPanels.plan(n, 64, 32, 16);
            int covered = 0;
            for (int i = 0; i < p.count(); i++) {
                assertThat(p.start()[i]).isEqualTo(covered);
                covered += p.width()[i];
            }
            assertThat(covered - n).as("padding for n=%d", n).isBetween(0, 15);
        }
    }
}
