package io.sirocco.engine;

/** A submitted request. */
public interface RequestHandle {

    /** Stops the request as soon as possible and frees its KV memory; the listener gets onFinish(CANCELLED). */
    void cancel();

    boolean isDone();
}
