package io.sirocco.engine;

import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simplest {@link Engine}: one request at a time, in arrival order, each with its own KV cache. The continuous
 * batching engine replaces it for serving; it stays as the reference that batched results are compared with.
 */
public final class SerialEngine implements Engine {
    private final Model model;
    private final Generator generator;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sirocco-serial-engine");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();

    public SerialEngine(Model model, WorkerPool pool) {
        this.model = model;
        this.generator = new Generator(model, pool);
    }

    @Override
    public RequestHandle submit(EngineRequest request, EngineListener listener) {
        AtomicBoolean cancelled = new AtomicBoolean();
        long submitted = System.nanoTime();
        waiting.incrementAndGet();
        Future<?> f = worker.submit(() -> {
            waiting.decrementAndGet();
            if (cancelled.get()) {
                listener.onFinish(FinishReason.CANCELLED, new RequestMetrics(request.promptTokens().length, 0, 0, System.nanoTime() - submitted, 0, 0, 0));
                return;
            }
            running.incrementAndGet();
            long start = System.nanoTime();
            try {
                AtomicBoolean stoppedByListener = new AtomicBoolean();
                GenerationResult r = generator.generate(request, listener::onPromptLogprobs, step -> {
                    if (cancelled.get()) return false;
                    boolean go = listener.onStep(step);
                    if (!go) stoppedByListener.set(true);
                    return go;
                });
                FinishReason reason = stoppedByListener.get() ? FinishReason.STOP : r.finishReason();
                long firstToken = r.prefillNanos();
                listener.onFinish(reason, new RequestMetrics(request.promptTokens().length, 0, r.steps().size(), start - submitted,
                        r.prefillNanos(), r.decodeNanos(), firstToken));
            } catch (Throwable t) {
                listener.onError(t);
            } finally {
                running.decrementAndGet();
            }
        });
        return new RequestHandle() {
            @Override
            public void cancel() {
                cancelled.set(true);
            }

            @Override
            public boolean isDone() {
                return f.isDone();
            }
        };
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(running.get(), waiting.get(), 0, 0, 0, 0);
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(30, TimeUnit.SECONDS)) worker.shutdownNow();
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
