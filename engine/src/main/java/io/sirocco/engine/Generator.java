package io.sirocco.engine;

import io.sirocco.model.Batch;
import io.sirocco.model.MistralDecoder;
import io.sirocco.model.Model;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.LogitsProcessor;
import io.sirocco.sample.Logprobs;
import io.sirocco.sample.Sampler;
import io.sirocco.sample.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Generates for one sequence at a time: prefill in chunks, then one token per step. The serving engine batches many
 * sequences; this is the library's and the CLI's simple path.
 */
public final class Generator {
    /** Prompt tokens per forward step during prefill. */
    public static final int PREFILL_CHUNK = 512;

    private final Model model;
    private final WorkerPool pool;

    public Generator(Model model, WorkerPool pool) {
        this.model = model;
        this.pool = pool;
    }

    /**
     * @param onStep called with each token as it is chosen; return false to stop (the result is then CANCELLED)
     */
    public GenerationResult generate(int[] prompt, SamplingParams params, Predicate<Step> onStep) {
        return generate(new EngineRequest("generate", prompt, params), onStep);
    }

    /** As above, for a request with image embeddings and a logits processor. */
    public GenerationResult generate(EngineRequest request, Predicate<Step> onStep) {
        int[] prompt = request.promptTokens();
        SamplingParams params = request.sampling();
        LogitsProcessor processor = request.logitsProcessor();
        float[][] rows = embeddingRows(request, model.config().dim());
        MistralDecoder dec = model.decoder();
        int vocab = (int) Math.min(Integer.MAX_VALUE, dec.outputRows());
        int context = model.config().contextLength() > 0 ? model.config().contextLength() : Integer.MAX_VALUE;
        if (prompt.length >= context)
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit the context of " + context + " tokens");
        for (int id : prompt)
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("prompt token id " + id + " outside the vocabulary of " + vocab);
        int maxTokens = (int) Math.min(params.maxTokens(), (long) context - prompt.length);

        KvCache cache = KvCache.forTokens(model.config().nLayers(), model.config().kvDim(), prompt.length + Math.max(1, maxTokens));
        KvCache.SequenceKv seq = new KvCache.SequenceKv();
        cache.reserve(seq, prompt.length + Math.max(1, maxTokens));
        Sampler sampler = new Sampler(params, vocab, prompt);
        List<Step> steps = new ArrayList<>();

        long t0 = System.nanoTime();
        float[] logits = null;
        for (int start = 0; start < prompt.length; start += PREFILL_CHUNK) {
            int end = Math.min(prompt.length, start + PREFILL_CHUNK);
            Batch b = Batch.ofSequence(Arrays.copyOfRange(prompt, start, end), start, seq);
            if (rows != null) b = b.withEmbeddings(Arrays.copyOfRange(rows, start, end));
            logits = dec.forward(b, cache, pool);
        }
        long prefill = System.nanoTime() - t0;
        if (maxTokens <= 0) return new GenerationResult(prompt, steps, FinishReason.LENGTH, prefill, 0);

        long t1 = System.nanoTime();
        FinishReason reason = FinishReason.LENGTH;
        int pos = prompt.length;
        while (true) {
            float[] masked = logits;
            if (processor != null) {
                masked = Arrays.copyOf(logits, vocab);
                processor.process(masked, 0, vocab);
            }
            Step step = step(logits, masked, vocab, sampler, params);
            steps.add(step);
            sampler.accept(step.id());
            if (processor != null) processor.accept(step.id());
            if (!onStep.test(step)) {
                reason = FinishReason.CANCELLED;
                break;
            }
            if (!params.ignoreEos() && step.id() == model.config().eosId() || params.stopTokenIds().contains(step.id())) {
                reason = FinishReason.STOP;
                break;
            }
            if (steps.size() >= maxTokens) break;
            logits = dec.forward(Batch.ofSequence(new int[] {step.id()}, pos++, seq), cache, pool);
        }
        return new GenerationResult(prompt, steps, reason, prefill, System.nanoTime() - t1);
    }

    /** (promptLength) rows: the image feature row for positions that have one, else null. */
    static float[][] embeddingRows(EngineRequest request, int dim) {
        if (request.embeddings().isEmpty()) return null;
        float[][] rows = new float[request.promptTokens().length][];
        for (PromptEmbeddings e : request.embeddings()) {
            if (e.data().length != e.positions().length * dim)
                throw new IllegalArgumentException("image embeddings have " + e.data().length + " values, expected " + e.positions().length + " × " + dim);
            for (int i = 0; i < e.positions().length; i++) {
                int p = e.positions()[i];
                if (p < 0 || p >= rows.length) throw new IllegalArgumentException("image embedding position " + p + " outside the prompt");
                rows[p] = Arrays.copyOfRange(e.data(), i * dim, (i + 1) * dim);
            }
        }
        return rows;
    }

    /** Samples from {@code masked} (the logits after any processor) and reports logprobs of the raw logits, as vLLM does. */
    static Step step(float[] logits, float[] masked, int vocab, Sampler sampler, SamplingParams params) {
        return step(logits, 0, masked, 0, vocab, sampler, params);
    }

    /** As above on rows: logits[off..off+vocab) raw, masked[maskedOff..maskedOff+vocab) after the processor. */
    static Step step(float[] logits, int off, float[] masked, int maskedOff, int vocab, Sampler sampler, SamplingParams params) {
        int id = sampler.sample(masked, maskedOff, vocab);
        double lse = Logprobs.logSumExp(logits, off, vocab);
        int[] top = Logprobs.topK(logits, off, vocab, params.topLogprobs());
        float[] topLp = new float[top.length];
        for (int i = 0; i < top.length; i++) topLp[i] = (float) (logits[off + top[i]] - lse);
        return new Step(id, (float) (logits[off + id] - lse), top, topLp);
    }
}
