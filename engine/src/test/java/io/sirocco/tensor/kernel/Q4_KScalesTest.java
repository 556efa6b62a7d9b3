package io.sirocco.tensor.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The branch-free packing of Q4_K's eight 6-bit scales and mins against the scalar reference, on random scale bytes. */
class Q4_KScalesTest {
    @Test
    void packedScalesAndMinsEqualTheReference() {
        Random rnd = new Random(9);
        for (int trial = 0; trial < 2000; trial++) {
            byte[] bytes = new byte[12];
            rnd.nextBytes(bytes);
            MemorySegment s = MemorySegment.ofArray(bytes);
            long sc = s.get(Bytes.LONG, 0);
            int sc8 = s.get(Bytes.INT, 8);
            long scales = Q4_KKernel.scales(sc, sc8), mins = Q4_KKernel.mins(sc, sc8);
            for (int j = 0; j < 8; j++) {
                assertThat((int) (scales >>> 8 * j & 0xFF)).as("scale %d", j).isEqualTo(ScalarKernels.scaleK4(s, 0, j));
                assertThat((int) (mins >>> 8 * j & 0xFF)).as("min %d", j).isEqualTo(ScalarKernels.minK4(s, 0, j));
            }
        }
    }
}
