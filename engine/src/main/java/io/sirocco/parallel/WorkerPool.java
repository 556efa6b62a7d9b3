package io.sirocco.parallel;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A persistent pool for data-parallel loops: {@code parallelism - 1} worker threads plus the calling thread, which
 * always takes part. A decode step fires hundreds of small parallel regions, so the hand-off must be cheap: workers
 * spin (with {@link Thread#onSpinWait}) for a few tens of microseconds after each job before they park, and the next
 * job usually finds them still spinning.
 *
 * <p>Work is split into chunks claimed from a shared counter, so a slow thread (the machine is shared) only delays
 * its own chunk. The first exception thrown by the body is rethrown to the caller once every claimed chunk has
 * finished; chunks not yet started are skipped. A call from inside a running body (nested use), or a loop too small
 * to split, runs serially on the calling thread. Calls from different threads are serialised.
 */
public final class WorkerPool implements AutoCloseable {

    /** How long an idle worker spins before parking. */
    public static final long DEFAULT_SPIN_MICROS = 50;
    /** Chunks per thread: enough for dynamic balancing, few enough to keep the counter cold. */
    private static final int CHUNKS_PER_THREAD = 4;

    private final int parallelism;
    private final long spinNanos;
    private final boolean shared;
    private final Worker[] workers;
    private final ReentrantLock callerLock = new ReentrantLock();

    private volatile Job job;
    private volatile long epoch; // bumped after each job is published; only the lock holder writes it
    private volatile boolean closed;

    /** A pool running loops on {@code parallelism} threads in total (the caller and {@code parallelism - 1} workers). */
    public WorkerPool(int parallelism) {
        this(parallelism, DEFAULT_SPIN_MICROS);
    }

    public WorkerPool(int parallelism, long spinMicros) {
        this(parallelism, spinMicros, false);
    }

    private WorkerPool(int parallelism, long spinMicros, boolean shared) {
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        if (spinMicros < 0) throw new IllegalArgumentException("spinMicros must not be negative, got " + spinMicros);
        this.parallelism = parallelism;
        this.spinNanos = TimeUnit.MICROSECONDS.toNanos(spinMicros);
        this.shared = shared;
        this.workers = new Worker[parallelism - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("sirocco-worker-" + i);
            workers[i].start();
        }
    }

    private static final class Common {
        static final WorkerPool POOL = new WorkerPool(defaultParallelism(), DEFAULT_SPIN_MICROS, true);
    }

    /** The process-wide pool, sized by {@code -Dsirocco.threads} or else the number of available processors. */
    public static WorkerPool common() {
        return Common.POOL;
    }

    static int defaultParallelism() {
        String configured = System.getProperty("sirocco.threads");
        if (configured == null || configured.isBlank()) return Runtime.getRuntime().availableProcessors();
        try {
            int n = Integer.parseInt(configured.trim());
            if (n >= 1) return n;
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("-Dsirocco.threads must be a positive integer, got '" + configured + "'");
    }

    /** Threads a loop runs on, the caller included. */
    public int parallelism() {
        return parallelism;
    }

    /** Runs {@code body.accept(i)} for every {@code i} in {@code [0, n)}, each exactly once. */
    public void parallelFor(int n, IntConsumer body) {
        parallelForRange(n, 1, (start, end) -> {
            for (int i = start; i < end; i++) body.accept(i);
        });
    }

    /**
     * Splits {@code [0, n)} into contiguous chunks of at least {@code grain} indexes (except the last) and runs
     * {@code body} on each chunk, each index covered exactly once.
     */
    public void parallelForRange(int n, int grain, RangeBody body) {
        if (n < 0) throw new IllegalArgumentException("loop size must not be negative, got " + n);
        if (grain < 1) throw new IllegalArgumentException("grain must be at least 1, got " + grain);
        if (closed) throw new IllegalStateException("worker pool is closed");
        if (n == 0) return;
        int chunkSize = Math.max(grain, ceilDiv(n, parallelism * CHUNKS_PER_THREAD));
        int chunks = ceilDiv(n, chunkSize);
        if (chunks == 1 || parallelism == 1 || isNested()) {
            body.run(0, n);
            return;
        }
        callerLock.lock();
        try {
            Job j = new Job(body, n, chunkSize, chunks);
            job = j;
            epoch = epoch + 1;
            for (Worker w : workers) if (w.sleeping) LockSupport.unpark(w);
            j.work();
            j.awaitDone();
            job = null;
            Throwable error = j.error.get();
            if (error instanceof RuntimeException e) throw e;
            if (error instanceof Error e) throw e;
            if (error != null) throw new RuntimeException(error);
        } finally {
            callerLock.unlock();
        }
    }

    private boolean isNested() {
        return callerLock.isHeldByCurrentThread() || Thread.currentThread() instanceof Worker w && w.pool() == this;
    }

    /** Stops the workers. Loops already running finish; later calls throw {@link IllegalStateException}. */
    @Override
    public void close() {
        if (shared) throw new IllegalStateException("the common worker pool cannot be closed");
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
        for (Worker w : workers) {
            try {
                w.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static final class Job {
        final RangeBody body;
        final int n, chunkSize, chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> error = new AtomicReference<>();

        Job(RangeBody body, int n, int chunkSize, int chunks) {
            this.body = body;
            this.n = n;
            this.chunkSize = chunkSize;
            this.chunks = chunks;
        }

        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    if (error.get() == null) {
                        int start = c * chunkSize;
                        body.run(start, Math.min(n, start + chunkSize));
                    }
                } catch (Throwable t) {
                    error.compareAndSet(null, t);
                } finally {
                    done.incrementAndGet();
                }
            }
        }

        void awaitDone() {
            int spins = 0;
            while (done.get() < chunks) {
                // A worker holding a chunk may have been descheduled: stop burning the core it needs.
                if (++spins < 10_000) Thread.onSpinWait();
                else Thread.yield();
            }
        }
    }

    private final class Worker extends Thread {
        volatile boolean sleeping;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        WorkerPool pool() {
            return WorkerPool.this;
        }

        @Override
        public void run() {
            // Epoch 0, not the epoch at thread start: a worker the OS starts late would otherwise take a job already
            // published for seen and sit it out (found when a loaded machine left the first loop to the caller alone).
            long seen = 0;
            while (true) {
                long e = awaitEpoch(seen);
                if (e < 0) return;
                seen = e;
                Job j = job;
                if (j != null) j.work();
            }
        }

        /** Waits for a job newer than {@code seen}; returns its epoch, or -1 once the pool is closed. */
        private long awaitEpoch(long seen) {
            long spinUntil = System.nanoTime() + spinNanos;
            while (true) {
                if (closed) return -1;
                long e = epoch;
                if (e != seen) return e;
                if (System.nanoTime() - spinUntil < 0) {
                    Thread.onSpinWait();
                    continue;
                }
                // Announce before re-checking: the caller bumps epoch and then reads `sleeping` (no lost wake-up).
                sleeping = true;
                if (epoch == seen && !closed) LockSupport.park(this);
                sleeping = false;
            }
        }
    }
}
