package io.sirocco.server;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineListener;
import io.sirocco.engine.EngineRequest;
import io.sirocco.engine.EngineStats;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.RequestHandle;
import io.sirocco.engine.RequestMetrics;
import io.sirocco.engine.Step;
import io.sirocco.model.Model;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An engine that answers from a script (request → token ids) on its own thread per request, with the real model's
 * tokenizer and config. {@code hang} makes requests wait until cancelled (to test disconnects).
 */
final class FakeEngine implements Engine {
    private final Model model;
    volatile Function<EngineRequest, int[]> script;
    volatile boolean hang;
    volatile long stepDelayMillis;
    final List<EngineRequest> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    volatile CountDownLatch started = new CountDownLatch(1);

    FakeEngine(Model model, Function<EngineRequest, int[]> script) {
        this.model = model;
        this.script = script;
    }

    @Override
    public RequestHandle submit(EngineRequest request, EngineListener listener) {
        requests.add(request);
        AtomicBoolean cancel = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        Thread.ofVirtual().start(() -> {
            running.incrementAndGet();
            started.countDown();
            try {
                int n = 0;
                FinishReason reason = FinishReason.LENGTH;
                while (hang && !cancel.get()) Thread.sleep(5);
                if (cancel.get()) {
                    reason = FinishReason.CANCELLED;
                } else {
                    int[] ids = script.apply(request);
                    var sp = request.sampling();
                    for (int id : ids) {
                        if (cancel.get()) {
                            reason = FinishReason.CANCELLED;
                            break;
                        }
                        if (n >= sp.maxTokens()) break;
                        if (stepDelayMillis > 0) Thread.sleep(stepDelayMillis);
                        int k = sp.topLogprobs();
                        int[] top = new int[k];
                        float[] lps = new float[k];
                        for (int i = 0; i < k; i++) {
                            top[i] = i == 0 ? id : 1000 + i;
                            lps[i] = -0.5f * (i + 1);
                        }
                        n++;
                        if (!listener.onStep(new Step(id, -0.5f, top, lps))) {
                            reason = FinishReason.STOP;
                            break;
                        }
                        if ((!sp.ignoreEos() && id == model.tokenizer().eosId()) || sp.stopTokenIds().contains(id)) {
                            reason = FinishReason.STOP;
                            break;
                        }
                    }
                    if (cancel.get()) reason = FinishReason.CANCELLED;
                }
                listener.onFinish(reason, new RequestMetrics(request.promptTokens().length, 0, n, 1000, 2000, 3000, 2000));
            } catch (Throwable t) {
                listener.onError(t);
            } finally {
                running.decrementAndGet();
                done.set(true);
            }
        });
        return new RequestHandle() {
            @Override
            public void cancel() {
                if (cancel.compareAndSet(false, true)) cancelled.incrementAndGet();
            }

            @Override
            public boolean isDone() {
                return done.get();
            }
        };
    }

    @Override
    public EngineStats stats() {
        return new EngineStats(running.get(), 0, 0.25, 0, 0, 0);
    }

    @Override
    public Model model() {
        return model;
    }

    @Override
    public void close() {}
}
