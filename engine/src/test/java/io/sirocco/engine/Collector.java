package io.sirocco.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Records one request's events; {@link #await} returns once it finished or failed. */
final class Collector implements EngineListener {
    final List<Step> steps = new CopyOnWriteArrayList<>();
    final CompletableFuture<FinishReason> done = new CompletableFuture<>();
    volatile RequestMetrics metrics;
    private final Predicate<Step> onStep;

    Collector() {
        this(s -> true);
    }

    Collector(Predicate<Step> onStep) {
        this.onStep = onStep;
    }

    @Override
    public boolean onStep(Step step) {
        steps.add(step);
        return onStep.test(step);
    }

    @Override
    public void onFinish(FinishReason reason, RequestMetrics metrics) {
        this.metrics = metrics;
        if (!done.complete(reason)) throw new AssertionError("onFinish called twice");
    }

    @Override
    public void onError(Throwable error) {
        done.completeExceptionally(error);
    }

    FinishReason await() {
        try {
            return done.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("request did not finish", e);
        }
    }

    int[] ids() {
        return steps.stream().mapToInt(Step::id).toArray();
    }
}
