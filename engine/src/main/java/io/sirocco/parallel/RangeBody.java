package io.sirocco.parallel;

/** The body of a range-split parallel loop: handles indexes {@code [start, end)}. */
@FunctionalInterface
public interface RangeBody {
    void run(int start, int end);
}
