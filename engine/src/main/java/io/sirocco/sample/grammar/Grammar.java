package io.sirocco.sample.grammar;

/**
 * A compiled, immutable grammar: a frozen {@link GrammarGraph} and its start node. Safe to share between requests;
 * each request runs its own {@link GrammarMatcher}.
 */
public final class Grammar {
    final GrammarGraph graph;
    final int start;
    private final String description;

    Grammar(GrammarGraph graph, int start, String description) {
        this.graph = graph.freeze();
        this.start = start;
        this.description = description;
    }

    public int nodeCount() {
        return graph.size();
    }

    @Override
    public String toString() {
        return "Grammar[" + description + ", " + graph.size() + " nodes]";
    }
}
