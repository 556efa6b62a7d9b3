package io.sirocco.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Iteration-level scheduling (continuous batching, as in vLLM's v1 scheduler). Each step gets a token budget:
 * <ol>
 *   <li>every running sequence with one token to go (a decode) gets it, oldest first;</li>
 *   <li>running sequences with more to go (a prompt being prefilled in chunks, or recomputed) share what is left;</li>
 *   <li>waiting sequences are admitted in arrival order, while budget, {@code maxNumSeqs} and free blocks allow, first
 *       taking whatever full blocks of their prefix the cache already holds.</li>
 * </ol>
 * Decodes go first so a long prompt delays them by at most one step's budget. When blocks run out, the newest running
 * sequence is preempted: its blocks are freed and it goes back to the front of the queue, to be recomputed later
 * (its tokens, sampler state and listener stay, so nothing is lost and the output is unchanged).
 * Engine thread only.
 */
final class Scheduler {
    private final EngineConfig config;
    private final BlockPool blocks;
    private final BlockHash.Hasher hasher = new BlockHash.Hasher();
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();   // arrival order; preempted ones at the front
    private final ArrayList<Sequence> running = new ArrayList<>();    // sorted by arrival: the last is preempted first
    private final ArrayList<Sequence> step = new ArrayList<>();
    long preemptions, prefixQueries, prefixHits;

    Scheduler(EngineConfig config, BlockPool blocks) {
        this.config = config;
        this.blocks = blocks;
    }

    BlockPool blocks() {
        return blocks;
    }

    int running() {
        return running.size();
    }

    int waiting() {
        return waiting.size();
    }

    boolean idle() {
        return running.isEmpty() && waiting.isEmpty();
    }

    void add(Sequence s) {
        waiting.addLast(s);
    }

    /** Takes a sequence out (finished, cancelled or failed) and frees its blocks. */
    void remove(Sequence s) {
        if (!running.remove(s)) waiting.remove(s);
        blocks.release(s.kv);
    }

    /** Every sequence, running first. */
    List<Sequence> all() {
        List<Sequence> all = new ArrayList<>(running);
        all.addAll(waiting);
        return all;
    }

    /** The sequences of the next step, each with {@link Sequence#scheduled} tokens set; empty if there is nothing to do. */
    List<Sequence> schedule() {
        step.clear();
        int budget = config.maxNumBatchedTokens();
        boolean preempted = false;
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < running.size() && budget > 0; i++) {
                Sequence s = running.get(i);
                int rem = s.remaining();
                if (s.scheduled > 0 || (pass == 0) != (rem == 1)) continue;
                int n = Math.min(rem, budget);
                boolean self = false;
                while (!blocks.ensure(s.kv, s.computed + n)) {
                    Sequence victim = running.getLast();
                    budget += preempt(victim);
                    preempted = true;
                    if (victim == s) {
                        self = true;
                        break;
                    }
                }
                if (self) break;
                s.scheduled = n;
                step.add(s);
                budget -= n;
            }
        }
        // Admitting new work right after a preemption would only evict it again.
        while (!preempted && budget > 0 && running.size() < config.maxNumSeqs() && !waiting.isEmpty()) {
            Sequence s = waiting.peekFirst();
            int hits = s.kv.blockCount() == 0 && config.prefixCaching() ? takeCachedPrefix(s) : 0;
            int n = Math.min(s.remaining(), budget);
            if (!blocks.ensure(s.kv, s.computed + n)) {
                blocks.release(s.kv);  // give back the shared prefix too: it waits with nothing held
                s.resetForRecompute();
                break;
            }
            if (config.prefixCaching()) {
                prefixQueries += s.length;
                prefixHits += hits;
            }
            if (s.cachedPromptTokens < 0) s.cachedPromptTokens = Math.min(hits, s.promptLength);
            if (s.firstScheduled == 0) s.firstScheduled = System.nanoTime();
            waiting.pollFirst();
            insertRunning(s);
            s.scheduled = n;
            step.add(s);
            budget -= n;
        }
        return step;
    }

    /** After the forward pass: the scheduled tokens are now in the cache; full blocks become findable by prefix. */
    void completed(List<Sequence> seqs) {
        int bs = config.blockSize();
        for (Sequence s : seqs) {
            s.computed += s.scheduled;
            s.scheduled = 0;
            if (!config.prefixCaching()) continue;
            for (int b = s.registered; b < s.computed / bs; b++) {
                BlockHash h = s.hash(b, hasher, bs);
                if (h == null) break;
                blocks.register(s.kv.block(b), h);
                s.registered = b + 1;
            }
        }
    }

    /** Shares the cached full blocks of the sequence's prefix; at least one token is left to compute. Returns hit tokens. */
    private int takeCachedPrefix(Sequence s) {
        int bs = config.blockSize();
        int full = (s.length - 1) / bs;
        int b = 0;
        for (; b < full; b++) {
            BlockHash h = s.hash(b, hasher, bs);
            int block = h == null ? -1 : blocks.lookup(h);
            if (block < 0) break;
            blocks.share(s.kv, block);
        }
        s.computed = b * bs;
        s.registered = b;
        return s.computed;
    }

    /** Frees the sequence's blocks and puts it at the front of the queue; returns the budget it had taken this step. */
    private int preempt(Sequence s) {
        running.remove(s);
        int given = s.scheduled;
        if (given > 0) step.remove(s);
        blocks.release(s.kv);
        s.resetForRecompute();
        waiting.addFirst(s);
        preemptions++;
        return given;
    }

    private void insertRunning(Sequence s) {
        int i = running.size();
        while (i > 0 && running.get(i - 1).order > s.order) i--;
        running.add(i, s);
    }
}
