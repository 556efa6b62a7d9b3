package io.sirocco.engine;

import io.sirocco.model.Model;

/** Runs generation requests for one model; thread-safe. */
public interface Engine extends AutoCloseable {

    RequestHandle submit(EngineRequest request, EngineListener listener);

    EngineStats stats();

    Model model();

    /** Finishes or cancels everything in flight, then stops. */
    @Override
    void close();
}
