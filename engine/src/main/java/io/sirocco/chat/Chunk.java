package io.sirocco.chat;

/** One piece of a message's content. */
public sealed interface Chunk permits Chunk.Text, Chunk.Image, Chunk.Think {

    /** mistral-common's class name, used in "Unexpected content chunk types" errors. */
    String referenceName();

    record Text(String text) implements Chunk {
        public Text {
            if (text == null) throw new IllegalArgumentException("text chunk without text");
        }

        @Override
        public String referenceName() {
            return "TextChunk";
        }
    }

    /**
     * An image by URL: a {@code data:image/...;base64,} URL, a plain base64 string, or an http(s) URL. The encoder asks
     * an {@link io.sirocco.chat.encode.ImageResolver} for its size (and later its pixels).
     */
    record Image(String url) implements Chunk {
        public Image {
            if (url == null || url.isEmpty()) throw new IllegalArgumentException("image chunk without url");
        }

        @Override
        public String referenceName() {
            return "ImageURLChunk";
        }

        @Override
        public String toString() {
            return "Image[" + (url.length() > 48 ? url.substring(0, 48) + "…(" + url.length() + " chars)" : url) + "]";
        }
    }

    /** Reasoning text; {@code closed=false} leaves the block open (no [/THINK]), for a prefix the model continues. */
    record Think(String thinking, boolean closed) implements Chunk {
        public Think {
            if (thinking == null) throw new IllegalArgumentException("thinking chunk without text");
        }

        @Override
        public String referenceName() {
            return "ThinkChunk";
        }
    }
}
