package io.sirocco.server;

import io.sirocco.engine.Engine;
import io.sirocco.engine.EngineListener;
import io.sirocco.engine.EngineRequest;
import io.sirocco.engine.FinishReason;
import io.sirocco.engine.RequestHandle;
import io.sirocco.engine.RequestMetrics;
import io.sirocco.engine.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The choices of one HTTP request running on the engine. Engine callbacks only detokenize and queue events; the
 * request's own (virtual) thread takes them with {@link #next()} and writes to the client, so a slow client never
 * holds up the engine. {@link #cancel()} (client gone) cancels every choice at once.
 */
final class Generation {

    /** Output of one choice, in order: Tokens, then one Done or Failed. */
    sealed interface Event permits Token, Done, Failed, Cancelled {}

    /** A generated token and the text it released (empty while held back or for a stop token). */
    record Token(int choice, Step step, String text) implements Event {}

    /**
     * @param tail       text released at the end (held-back characters)
     * @param stopReason null (EOS or length), the matched stop string, or the stop token id
     */
    record Done(int choice, String finishReason, Object stopReason, String tail, RequestMetrics metrics) implements Event {}

    record Failed(int choice, Throwable error) implements Event {}

    /** The client went away; nothing more will be written. */
    record Cancelled() implements Event {}

    /** One choice to run: the engine request and the text state that turns its tokens into text. */
    record Choice(EngineRequest request, ChoiceText text) {}

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<RequestHandle> handles = new ArrayList<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final Metrics metrics;
    private final int eosId;

    Generation(Metrics metrics, int eosId) {
        this.metrics = metrics;
        this.eosId = eosId;
    }

    /** Submits every choice; choice i's events carry index i. */
    void start(Engine engine, List<Choice> choices) {
        for (int i = 0; i < choices.size(); i++) {
            RequestHandle h = engine.submit(choices.get(i).request(), new Listener(i, choices.get(i)));
            synchronized (handles) {
                handles.add(h);
                if (cancelled.get()) h.cancel();
            }
        }
    }

    Event next() throws InterruptedException {
        return events.take();
    }

    /** Cancels all choices (idempotent); a blocked {@link #next()} returns {@link Cancelled}. */
    void cancel() {
        if (!cancelled.compareAndSet(false, true)) return;
        synchronized (handles) {
            for (RequestHandle h : handles) h.cancel();
        }
        events.add(new Cancelled());
    }

    /** Stops one choice early (a stop string found after parsing); its Done event still follows. */
    void stop(int choice) {
        synchronized (handles) {
            if (choice < handles.size()) handles.get(choice).cancel();
        }
    }

    boolean isCancelled() {
        return cancelled.get();
    }

    private final class Listener implements EngineListener {
        private final int index;
        private final Choice choice;
        private final long start = System.nanoTime();
        private long lastStep;
        private int lastId = -1;

        Listener(int index, Choice choice) {
            this.index = index;
            this.choice = choice;
        }

        @Override
        public boolean onStep(Step step) {
            long now = System.nanoTime();
            if (lastStep != 0) metrics.interTokenLatency((now - lastStep) / 1e9);
            lastStep = now;
            lastId = step.id();
            String text = choice.text().push(step.id());
            events.add(new Token(index, step, text));
            return choice.text().matchedStop() == null && !cancelled.get();
        }

        @Override
        public void onFinish(FinishReason reason, RequestMetrics m) {
            String tail = choice.text().finish();
            Object stopReason = null;
            String finish = reason.openAi();
            if (choice.text().matchedStop() != null) {
                stopReason = choice.text().matchedStop();
                finish = "stop";
            } else if (reason == FinishReason.STOP && lastId >= 0 && lastId != eosId
                    && choice.request().sampling().stopTokenIds().contains(lastId)) {
                stopReason = lastId;
            }
            metrics.finished(finish, m, (System.nanoTime() - start) / 1e9);
            events.add(new Done(index, finish, stopReason, tail, m));
        }

        @Override
        public void onError(Throwable error) {
            events.add(new Failed(index, error));
        }
    }
}
