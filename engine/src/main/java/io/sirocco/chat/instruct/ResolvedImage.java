package io.sirocco.chat.instruct;

/** An image whose size is known (its pixels are fetched by the vision preprocessing later). */
public interface ResolvedImage {
    int width();

    int height();
}
