package io.sirocco.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkerPoolTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5})
    void everyIndexRunsExactlyOnce(int threads) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int n : new int[] {0, 1, 2, 7, 64, 1000, 100_003}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.parallelFor(n, hits::incrementAndGet);
                for (int i = 0; i < n; i++) assertThat(hits.get(i)).as("index %d of %d", i, n).isEqualTo(1);
            }
        }
    }

    @Test
    void rangesAreContiguousRespectGrainAndCoverEverything() {
        try (WorkerPool pool = new WorkerPool(3)) {
            int n = 10_001;
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            AtomicInteger smallChunks = new AtomicInteger();
            pool.parallelForRange(n, 100, (start, end) -> {
                if (end - start < 100 && end != n) smallChunks.incrementAndGet();
                for (int i = start; i < end; i++) hits.incrementAndGet(i);
            });
            assertThat(smallChunks.get()).isZero();
            for (int i = 0; i < n; i++) assertThat(hits.get(i)).isEqualTo(1);
        }
    }

    @Test
    void workIsSharedWithWorkers() {
        try (WorkerPool pool = new WorkerPool(3)) {
            var threads = ConcurrentHashMap.<String>newKeySet();
            // Spin long enough per index that a single thread cannot take every chunk before the workers wake.
            pool.parallelFor(48, i -> {
                threads.add(Thread.currentThread().getName());
                long until = System.nanoTime() + 2_000_000;  // 2 ms: workers on a loaded machine may take milliseconds to be scheduled
                while (System.nanoTime() < until) Thread.onSpinWait();
            });
            assertThat(threads).contains(Thread.currentThread().getName());
            assertThat(threads.size()).isGreaterThan(1);
        }
    }

    @Test
    void exceptionPropagatesToCallerAndPoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException boom = new IllegalStateException("boom at 777");
            assertThatThrownBy(() -> pool.parallelFor(10_000, i -> {
                if (i == 777) throw boom;
            })).isSameAs(boom);
            assertThatThrownBy(() -> pool.parallelFor(10_000, i -> {
                if (i == 3) throw new AssertionError("error too");
            })).isInstanceOf(AssertionError.class).hasMessage("error too");

            AtomicInteger sum = new AtomicInteger();
            pool.parallelFor(1000, i -> sum.addAndGet(i));
            assertThat(sum.get()).isEqualTo(999 * 1000 / 2);
        }
    }

    @Test
    void nestedCallsRunSeriallyInsideTheBody() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(50 * 40);
            pool.parallelFor(50, i -> pool.parallelFor(40, j -> hits.incrementAndGet(i * 40 + j)));
            for (int k = 0; k < hits.length(); k++) assertThat(hits.get(k)).isEqualTo(1);
        }
    }

    @Test
    void concurrentCallersAreSerialisedCorrectly() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicInteger total = new AtomicInteger();
            Thread[] callers = new Thread[3];
            for (int c = 0; c < callers.length; c++) {
                callers[c] = new Thread(() -> {
                    for (int r = 0; r < 200; r++) pool.parallelFor(100, i -> total.incrementAndGet());
                });
                callers[c].start();
            }
            for (Thread t : callers) t.join();
            assertThat(total.get()).isEqualTo(3 * 200 * 100);
        }
    }

    @Test
    void manyTinyCallsAndCallsAfterWorkersParked() throws Exception {
        try (WorkerPool pool = new WorkerPool(2, 20)) {
            long[] acc = new long[64];
            for (int round = 0; round < 20_000; round++) {
                pool.parallelForRange(64, 1, (s, e) -> {
                    for (int i = s; i < e; i++) acc[i]++;
                });
            }
            for (long a : acc) assertThat(a).isEqualTo(20_000);
            Thread.sleep(20); // let the workers park
            AtomicIntegerArray hits = new AtomicIntegerArray(64);
            pool.parallelFor(64, hits::incrementAndGet);
            for (int i = 0; i < 64; i++) assertThat(hits.get(i)).isEqualTo(1);
        }
    }

    @Test
    void rejectsBadArgumentsAndUseAfterClose() {
        assertThatThrownBy(() -> new WorkerPool(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parallelism");
        WorkerPool pool = new WorkerPool(2);
        assertThatThrownBy(() -> pool.parallelFor(-1, i -> {})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pool.parallelForRange(10, 0, (s, e) -> {})).isInstanceOf(IllegalArgumentException.class);
        pool.close();
        pool.close();
        assertThatThrownBy(() -> pool.parallelFor(10, i -> {})).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void commonPoolIsSharedAndCannotBeClosed() {
        WorkerPool common = WorkerPool.common();
        assertThat(common).isSameAs(WorkerPool.common());
        assertThat(common.parallelism()).isGreaterThanOrEqualTo(1);
        assertThatThrownBy(common::close).isInstanceOf(IllegalStateException.class);
        AtomicInteger count = new AtomicInteger();
        common.parallelFor(1000, i -> count.incrementAndGet());
        assertThat(count.get()).isEqualTo(1000);
    }
}
