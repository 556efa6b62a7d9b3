package io.sirocco.engine;

import io.sirocco.model.Batch;
import io.sirocco.model.MistralDecoder;
import io.sirocco.model.Model;
import io.sirocco.model.ModelConfig;
import io.sirocco.parallel.WorkerPool;
import io.sirocco.sample.LogitsProcessor;
import io.sirocco.sample.SamplingParams;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving engine: one scheduler thread runs forward steps that mix the decode tokens of all running sequences with
 * chunks of waiting prompts ({@link Scheduler}), over a paged KV cache whose full blocks are shared between requests
 * with the same prefix ({@link BlockPool}). N decoding sequences cost one pass over the weights per step.
 *
 * <p>Threads: {@link #submit}, {@link RequestHandle#cancel} and {@link #stats} may be called from anywhere; they only
 * post to queues and wake the engine thread, which owns every other piece of state. Listeners are called on the engine
 * thread between steps.
 */
public final class BatchingEngine implements Engine {
    private static final Logger log = LoggerFactory.getLogger(BatchingEngine.class);

    private final Model model;
    private final MistralDecoder decoder;
    private final WorkerPool pool;
    private final EngineConfig config;
    private final KvCache cache;
    private final Scheduler scheduler;
    private final int vocab;
    private final int maxLength;        // positions one sequence may use: min(context, the whole cache)
    private final Thread thread;
    private final ConcurrentLinkedQueue<Sequence> inbox = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Sequence> cancels = new ConcurrentLinkedQueue<>();
    private final AtomicLong arrivals = new AtomicLong();
    private volatile boolean closing;
    private volatile long drainDeadline;
    private volatile EngineStats stats = new EngineStats(0, 0, 0, 0, 0, 0);
    private volatile int usedBlocks, cachedBlocks;
    private volatile long steps;

    public BatchingEngine(Model model, WorkerPool pool, EngineConfig config) {
        this.model = model;
        this.decoder = model.decoder();
        this.pool = pool;
        this.config = config;
        ModelConfig c = model.config();
        int numBlocks = config.blocksFor(c);
        this.cache = new KvCache(c.nLayers(), c.kvDim(), c.headDim(), config.blockSize(), numBlocks, config.kvType());
        this.scheduler = new Scheduler(config, new BlockPool(numBlocks, config.blockSize()));
        this.vocab = (int) Math.min(Integer.MAX_VALUE, decoder.outputRows());
        long capacity = (long) numBlocks * config.blockSize();
        this.maxLength = (int) Math.min(capacity, c.contextLength() > 0 ? c.contextLength() : Integer.MAX_VALUE);
        this.thread = new Thread(this::run, "sirocco-engine");
        thread.setDaemon(true);
        thread.start();
    }

    public EngineConfig config() {
        return config;
    }

    /** Longest sequence (prompt + output) one request may have: the context or the whole KV cache, whichever is smaller. */
    public int maxSequenceLength() {
        return maxLength;
    }

    /** KV blocks held by sequences right now (cached blocks no one holds are free). */
    public int usedBlocks() {
        return usedBlocks;
    }

    /** KV blocks with a prefix-cache entry. */
    public int cachedBlocks() {
        return cachedBlocks;
    }

    /** Forward steps run so far. */
    public long steps() {
        return steps;
    }

    /** @throws IllegalArgumentException if the prompt cannot run here (bad ids, too long, bad image rows) */
    @Override
    public RequestHandle submit(EngineRequest request, EngineListener listener) {
        if (closing) throw new IllegalStateException("the engine is shutting down");
        int[] prompt = request.promptTokens();
        if (prompt.length >= maxLength)
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens does not fit: at most " + (maxLength - 1)
                    + " (context " + model.config().contextLength() + ", KV cache " + (long) cache.numBlocks() * cache.blockSize() + " positions)");
        for (int id : prompt)
            if (id < 0 || id >= vocab) throw new IllegalArgumentException("prompt token id " + id + " outside the vocabulary of " + vocab);
        float[][] rows = Generator.embeddingRows(request, model.config().dim());
        int maxTokens = (int) Math.min(request.sampling().maxTokens(), (long) maxLength - prompt.length);
        Sequence s = new Sequence(arrivals.getAndIncrement(), request, listener, maxTokens, rows, config.blockSize(), vocab);
        inbox.add(s);
        LockSupport.unpark(thread);
        return new RequestHandle() {
            @Override
            public void cancel() {
                if (s.cancelRequested) return;
                s.cancelRequested = true;
                cancels.add(s);
                LockSupport.unpark(thread);
            }

            @Override
            public boolean isDone() {
                return s.done;
            }
        };
    }

    @Override
    public EngineStats stats() {
        EngineStats s = stats;
        int queued = inbox.size();
        return queued == 0 ? s : new EngineStats(s.running(), s.waiting() + queued, s.kvUsage(), s.preemptions(), s.prefixQueries(), s.prefixHits());
    }

    @Override
    public Model model() {
        return model;
    }

    /** Lets running requests finish for up to the configured drain timeout, cancels the rest, then stops. */
    @Override
    public void close() {
        close(config.drainTimeout());
    }

    /** As {@link #close()} with the given grace period (zero cancels everything at once). */
    public void close(Duration grace) {
        if (!closing) {
            drainDeadline = System.nanoTime() + grace.toNanos();
            closing = true;
        }
        LockSupport.unpark(thread);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- engine thread ----

    private void run() {
        while (true) {
            admit();
            if (closing && System.nanoTime() - drainDeadline >= 0)
                for (Sequence s : scheduler.all()) finish(s, FinishReason.CANCELLED);
            if (scheduler.idle()) {
                publishStats();
                if (closing && inbox.isEmpty()) break;
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(50));
                continue;
            }
            List<Sequence> seqs = scheduler.schedule();
            if (!seqs.isEmpty()) step(seqs);
            publishStats();
        }
        publishStats();
    }

    /** New requests join the queue; cancelled ones leave it (or the running set) with their blocks freed. */
    private void admit() {
        Sequence s;
        while ((s = inbox.poll()) != null) {
            if (s.cancelRequested) finishUnqueued(s, FinishReason.CANCELLED);
            else if (closing && System.nanoTime() - drainDeadline >= 0) finishUnqueued(s, FinishReason.CANCELLED);
            else if (s.maxTokens <= 0) finishUnqueued(s, FinishReason.LENGTH);
            else scheduler.add(s);
        }
        while ((s = cancels.poll()) != null) if (!s.done) finish(s, FinishReason.CANCELLED);
    }

    private void step(List<Sequence> seqs) {
        Batch batch = batchOf(seqs);
        float[] logits;
        try {
            logits = decoder.forward(batch, cache, pool);
        } catch (Throwable t) {
            log.error("forward step failed for {} sequences", seqs.size(), t);
            for (Sequence s : seqs) fail(s, t);
            return;
        }
        steps++;
        scheduler.completed(seqs);
        int row = 0;
        for (Sequence s : seqs) {  // finishing removes from the running set, not from this step's list
            if (s.computed < s.length) continue;  // a prompt chunk: nothing to sample yet
            sample(s, logits, row++ * vocab);
        }
    }

    /** The step's tokens, sequence after sequence, with logits wanted at each sequence's last token if it completes. */
    private Batch batchOf(List<Sequence> seqs) {
        int T = 0, sampled = 0;
        boolean images = false;
        for (Sequence s : seqs) {
            T += s.scheduled;
            if (s.computed + s.scheduled == s.length) sampled++;
            images |= s.embeddingRows != null && s.computed < s.promptLength;
        }
        int[] tokens = new int[T], positions = new int[T], logitRows = new int[sampled];
        KvCache.SequenceKv[] tables = new KvCache.SequenceKv[T];
        float[][] rows = images ? new float[T][] : null;
        int t = 0, r = 0;
        for (Sequence s : seqs) {
            for (int i = 0; i < s.scheduled; i++, t++) {
                int p = s.computed + i;
                tokens[t] = s.tokens[p];
                positions[t] = p;
                tables[t] = s.kv;
                if (rows != null && s.embeddingRows != null && p < s.promptLength) rows[t] = s.embeddingRows[p];
            }
            if (s.computed + s.scheduled == s.length) logitRows[r++] = t - 1;
        }
        return new Batch(tokens, positions, tables, logitRows, rows);
    }

    private void sample(Sequence s, float[] logits, int off) {
        SamplingParams params = s.request.sampling();
        LogitsProcessor processor = s.request.logitsProcessor();
        FinishReason reason = null;
        try {
            float[] masked = logits;
            int maskedOff = off;
            if (processor != null) {
                masked = Arrays.copyOfRange(logits, off, off + vocab);
                maskedOff = 0;
                processor.process(masked, 0, vocab);
            }
            Step step = Generator.step(logits, off, masked, maskedOff, vocab, s.sampler, params);
            s.sampler.accept(step.id());
            if (processor != null) processor.accept(step.id());
            s.append(step.id());
            s.generated++;
            if (s.firstToken == 0) s.firstToken = System.nanoTime();
            if (!s.listener.onStep(step)) reason = FinishReason.STOP;
            else if (!params.ignoreEos() && step.id() == model.config().eosId() || params.stopTokenIds().contains(step.id()))
                reason = FinishReason.STOP;
            else if (s.generated >= s.maxTokens) reason = FinishReason.LENGTH;
        } catch (Throwable t) {
            fail(s, t);
            return;
        }
        if (reason != null) finish(s, reason);
    }

    private void finish(Sequence s, FinishReason reason) {
        if (s.done) return;
        scheduler.remove(s);
        finishUnqueued(s, reason);
    }

    private void finishUnqueued(Sequence s, FinishReason reason) {
        s.done = true;
        long now = System.nanoTime();
        long start = s.firstScheduled == 0 ? now : s.firstScheduled;
        long first = s.firstToken == 0 ? now : s.firstToken;
        RequestMetrics m = new RequestMetrics(s.promptLength, Math.max(0, s.cachedPromptTokens), s.generated, start - s.submitted,
                first - start, s.firstToken == 0 ? 0 : now - s.firstToken, s.firstToken == 0 ? 0 : s.firstToken - s.submitted);
        publishStats();  // a caller that saw onFinish sees the blocks freed
        try {
            s.listener.onFinish(reason, m);
        } catch (Throwable t) {
            log.warn("listener of request {} failed in onFinish", s.request.id(), t);
        }
    }

    private void fail(Sequence s, Throwable error) {
        if (s.done) return;
        scheduler.remove(s);
        s.done = true;
        publishStats();
        try {
            s.listener.onError(error);
        } catch (Throwable t) {
            log.warn("listener of request {} failed in onError", s.request.id(), t);
        }
    }

    private void publishStats() {
        BlockPool b = scheduler.blocks();
        usedBlocks = b.usedBlocks();
        cachedBlocks = b.cachedBlocks();
        stats = new EngineStats(scheduler.running(), scheduler.waiting(), (double) b.usedBlocks() / b.numBlocks(),
                scheduler.preemptions, scheduler.prefixQueries, scheduler.prefixHits);
    }
}
