package io.sirocco.tensor.kernel;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.Tensor;
import java.util.List;
import java.util.logging.Logger;

/**
 * Builds the decode copies ({@link InterleavedRows}: int8-decode layouts, BF16 slabs) of a model's matrices on one
 * background thread, started right after load, so that the repacking (about 0.7 s per GB of weights on two threads)
 * overlaps whatever comes before the first decode step: a server waiting for its first request, a user typing, a
 * prompt's prefill. A decode step that needs a matrix the job is on packs the rest of it with its own pool, and builds
 * those the job has not reached itself ({@link InterleavedRows#of}), so decode always runs over the copies, as it
 * would without the job: the output never depends on how far the job got.
 *
 * <p>One thread, not the worker pool: the pool belongs to the requests. {@link #close} stops the job after the
 * matrix in hand and waits for it, so that it never reads a mapping that is being unmapped.
 */
public final class BackgroundRepack implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BackgroundRepack.class.getName());

    /** A job with nothing to do (int8 decode off, or no matrix of a type it takes). */
    public static final BackgroundRepack NONE = new BackgroundRepack(List.of());

    private final List<Tensor> matrices;
    private final Thread thread;
    private volatile boolean stop;
    private volatile long nanos = -1;

    private BackgroundRepack(List<Tensor> matrices) {
        this.matrices = matrices;
        this.thread = matrices.isEmpty() ? null : Thread.ofPlatform().name("sirocco-repack").daemon().unstarted(this::run);
    }

    /**
     * Starts repacking, in order, those of {@code matrices} that decode would use a copy of; {@link #NONE} when
     * int8 decode is off ({@link Kernels#setInt8Decode}) or none qualifies.
     */
    public static BackgroundRepack start(List<Tensor> matrices) {
        if (!Kernels.int8Decode()) return NONE;
        List<Tensor> wanted = matrices.stream().distinct().filter(InterleavedRows::wanted).toList();
        if (wanted.isEmpty()) return NONE;
        BackgroundRepack job = new BackgroundRepack(wanted);
        job.thread.start();
        return job;
    }

    private void run() {
        long t0 = System.nanoTime();
        try (WorkerPool one = new WorkerPool(1)) {
            for (Tensor w : matrices) {
                if (stop) break;
                try {
                    InterleavedRows.of(w, one);
                } catch (RuntimeException e) {  // e.g. the mapping closed under it: decode builds it on first use
                    LOG.warning("background repacking stopped at " + w.name() + ": " + e);
                    break;
                }
            }
        } finally {
            nanos = System.nanoTime() - t0;
        }
    }

    /** Matrices this job took on. */
    public int matrices() {
        return matrices.size();
    }

    /** Waits until every matrix is built (or the job was stopped); returns the job's time in seconds, 0 for NONE. */
    public double await() throws InterruptedException {
        if (thread == null) return 0;
        thread.join();
        return nanos / 1e9;
    }

    /** Whether the job has finished (always true for NONE). */
    public boolean done() {
        return thread == null || nanos >= 0;
    }

    /** Stops after the matrix in hand and waits for the thread. */
    @Override
    public void close() {
        if (thread == null) return;
        stop = true;
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
