package io.sirocco.chat;

import java.util.List;

/**
 * A message's content: either a plain string or a list of chunks (as in the OpenAI API and mistral-common; the
 * difference matters: the normalizer turns all-text content into a string, and assistant strings are right-stripped).
 */
public sealed interface Content permits Content.Str, Content.Chunks {

    static Content of(String text) {
        return new Str(text);
    }

    static Content of(List<Chunk> chunks) {
        return new Chunks(chunks);
    }

    /** Python truthiness: {@code ""} and {@code []} are empty. */
    boolean isEmpty();

    /** The chunks (a string becomes one text chunk). */
    List<Chunk> asChunks();

    record Str(String text) implements Content {
        public Str {
            if (text == null) throw new IllegalArgumentException("null text");
        }

        @Override
        public boolean isEmpty() {
            return text.isEmpty();
        }

        @Override
        public List<Chunk> asChunks() {
            return List.of(new Chunk.Text(text));
        }
    }

    record Chunks(List<Chunk> chunks) implements Content {
        public Chunks {
            chunks = List.copyOf(chunks);
        }

        @Override
        public boolean isEmpty() {
            return chunks.isEmpty();
        }

        @Override
        public List<Chunk> asChunks() {
            return chunks;
        }
    }
}
