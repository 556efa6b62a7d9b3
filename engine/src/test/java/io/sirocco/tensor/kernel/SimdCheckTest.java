package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimdCheckTest {
    @Test
    void verdictNamesTheSpeciesAndIsCached() {
        String v = SimdCheck.run();
        // Whether SIMD is active depends on the JVM and the machine's load; the verdict must say which, with the species.
        assertThat(v).containsAnyOf("SIMD ok", "SIMD NOT ACTIVE").contains("float lanes");
        assertThat(SimdCheck.run()).isSameAs(v);
    }
}
