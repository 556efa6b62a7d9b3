package io.sirocco;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void runsOnJava25WithVectorApi() {
        assertThat(Runtime.version().feature()).isGreaterThanOrEqualTo(25);
        assertThat(jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length()).isPositive();
    }
}
