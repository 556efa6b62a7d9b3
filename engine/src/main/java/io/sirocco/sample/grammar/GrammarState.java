package io.sirocco.sample.grammar;

/**
 * One state of a {@link GrammarMatcher}: the set of live configurations (graph node waiting to consume, call stack),
 * interned so that equal states are the same object and their byte transitions (and, in the processor, token masks) can be cached.
 */
public final class GrammarState {
    final long[] configs;           // sorted; (node << 32) | stackId, only nodes with consuming edges
    final boolean accepting;        // the output may end here
    final int id;
    final GrammarState[] next = new GrammarState[256];   // byte transitions, filled lazily

    GrammarState(long[] configs, boolean accepting, int id) {
        this.configs = configs;
        this.accepting = accepting;
        this.id = id;
    }

    /** True when no continuation and no end is possible. */
    public boolean isDead() {
        return configs.length == 0 && !accepting;
    }

    /** True when the output seen so far is a complete sentence of the grammar. */
    public boolean isAccepting() {
        return accepting;
    }

    /** True when the output is complete and nothing more may follow. */
    public boolean isFinal() {
        return configs.length == 0 && accepting;
    }

    @Override
    public String toString() {
        return "GrammarState#" + id + (accepting ? "(accepting)" : "") + "[" + configs.length + " configs]";
    }
}
