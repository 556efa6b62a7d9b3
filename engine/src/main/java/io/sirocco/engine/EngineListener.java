package io.sirocco.engine;

/** Receives one request's output, on an engine thread: keep the callbacks short and never block in them. */
public interface EngineListener {

    /**
     * Only for a request with {@link EngineRequest#promptLogprobs()} ≥ 0, once, before the first {@link #onStep}:
     * entry i is for prompt token i + 1 (the first token has no logprob), so there are promptLength − 1 entries.
     */
    default void onPromptLogprobs(java.util.List<PromptLogprob> logprobs) {}

    /** A generated token; return false to stop the sequence here (finish reason STOP, e.g. a stop string matched). */
    boolean onStep(Step step);

    /** The sequence ended (exactly once, unless {@link #onError} is called instead). */
    void onFinish(FinishReason reason, RequestMetrics metrics);

    /** The request failed (bad input found late, internal error). */
    void onError(Throwable error);
}
