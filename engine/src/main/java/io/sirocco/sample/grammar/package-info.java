/**
 * Structured output: JSON-schema and Mistral tool-call grammars turned into per-step token masks.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link io.sirocco.sample.grammar.GrammarGraph}: a recursive transition network over bytes and special-token
 *       ids (range, special, call, epsilon edges). Tokens are byte strings that may split UTF-8 characters, so the
 *       grammar works on bytes and encodes UTF-8 validity itself.</li>
 *   <li>{@code JsonSyntax} / {@code JsonSchemaCompiler} / {@code IntegerRange}: JSON and the JSON-schema subset as
 *       graph fragments (see {@code JsonSchemaCompiler} for the supported keywords).</li>
 *   <li>{@code ToolCallGrammar}: Mistral's grammar (mistral-common grammar factory, spec §4.7).</li>
 *   <li>{@link io.sirocco.sample.grammar.GrammarMatcher}: interned states (sets of node + call-stack configurations)
 *       with cached byte transitions, i.e. a lazily built DFA; recursion bounded by {@code MAX_DEPTH}.</li>
 *   <li>{@link io.sirocco.sample.grammar.TokenTrie} + {@link io.sirocco.sample.grammar.GrammarLogitsProcessor}: the
 *       vocabulary as a depth-first trie walked with the matcher (dead subtrees skipped); masks cached per state.</li>
 * </ul>
 *
 * <h2>Policies</h2>
 * Whitespace between JSON tokens: at most {@code JsonSyntax.MAX_WS} = 20 bytes at any one place (bounded, like
 * llguidance; covers {@code json.dumps} spacing and shallow pretty-printing). Object properties come in declared order;
 * additional properties (allowed unless {@code additionalProperties: false}) come after them, with keys that differ
 * from every declared name and use no escapes. Strings are valid UTF-8, escapes never produce lone surrogates. EOS is
 * allowed exactly when the output is complete; once nothing else can follow, only EOS is.
 *
 * <h2>Cost</h2>
 * Full Tekken vocabulary (131072 ids, 266k trie nodes): a mask that walks the whole trie (inside a free string) takes
 * about 2 ms best case on the shared 2-core test machine; most states prune early (0.03 ms before an object key);
 * masks repeat inside strings and are cached. See {@code GrammarMaskBenchmarkTest}.
 */
package io.sirocco.sample.grammar;
