package io.sirocco.model;

import io.sirocco.engine.KvCache.SequenceKv;

/**
 * Tokens of one forward step, possibly from several sequences at their own positions.
 *
 * @param tokens    (T) token ids
 * @param positions (T) position of each token in its sequence
 * @param sequences (T) the KV block table each token belongs to (blocks reserved up to its position)
 * @param logitRows indexes into tokens whose logits are wanted, in the order returned
 * @param embeddings optional replacement embeddings (T, dim) rows, e.g. image features at [IMG] tokens; null rows use the token
 */
public record Batch(int[] tokens, int[] positions, SequenceKv[] sequences, int[] logitRows, float[][] embeddings) {

    public Batch {
        if (tokens.length != positions.length || tokens.length != sequences.length)
            throw new IllegalArgumentException("batch arrays differ in length");
        if (embeddings != null && embeddings.length != tokens.length)
            throw new IllegalArgumentException("embeddings rows must match tokens");
    }

    public Batch(int[] tokens, int[] positions, SequenceKv[] sequences, int[] logitRows) {
        this(tokens, positions, sequences, logitRows, null);
    }

    /** Consecutive tokens of one sequence starting at {@code start}, logits for the last one only. */
    public static Batch ofSequence(int[] tokens, int start, SequenceKv seq) {
        int[] pos = new int[tokens.length];
        SequenceKv[] seqs = new SequenceKv[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            pos[i] = start + i;
            seqs[i] = seq;
        }
        return new Batch(tokens, pos, seqs, new int[] {tokens.length - 1});
    }

    /** The same tokens with replacement embedding rows (null rows keep the token embedding). */
    public Batch withEmbeddings(float[][] rows) {
        return new Batch(tokens, positions, sequences, logitRows, rows);
    }

    public int size() {
        return tokens.length;
    }
}
