package io.sirocco.cli;

import io.sirocco.parallel.WorkerPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's read bandwidth as the decoder sees it: threads summing a buffer far larger than the last-level cache,
 * each its own contiguous slice (the access pattern of a matrix-vector product over weights).
 */
final class ReadBandwidth {
    private ReadBandwidth() {}

    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;

    /** Best of {@code passes} passes over {@code bytes} bytes, in GB/s (10^9 bytes per second). */
    static double measure(long bytes, int passes, WorkerPool pool) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(bytes, 4096);
            buf.fill((byte) 1);  // touch every page before timing
            int chunks = 256;
            long chunkBytes = bytes / chunks / S.vectorByteSize() * S.vectorByteSize();
            long[] sink = new long[chunks];
            double best = 0;
            for (int p = 0; p < passes + 1; p++) {
                long t0 = System.nanoTime();
                pool.parallelForRange(chunks, 1, (c0, c1) -> {
                    for (int c = c0; c < c1; c++) sink[c] = sum(buf, c * chunkBytes, chunkBytes);
                });
                double s = (System.nanoTime() - t0) / 1e9;
                if (p > 0) best = Math.max(best, chunks * chunkBytes / s / 1e9);  // pass 0 warms up the JIT
            }
            long all = 0;
            for (long v : sink) all += v;
            if (all == 42) System.out.print("");  // keep the sums alive
            return best;
        }
    }

    private static long sum(MemorySegment s, long off, long len) {
        var a0 = LongVector.zero(S);
        var a1 = a0;
        long step = S.vectorByteSize();
        long i = 0;
        for (; i + 2 * step <= len; i += 2 * step) {
            a0 = a0.add(LongVector.fromMemorySegment(S, s, off + i, java.nio.ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(S, s, off + i + step, java.nio.ByteOrder.LITTLE_ENDIAN));
        }
        long r = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i + 8 <= len; i += 8) r += s.get(ValueLayout.JAVA_LONG_UNALIGNED, off + i);
        return r;
    }
}
