package io.sirocco.tokenizer;

import java.util.Arrays;

/** A growable int array (token ids) without boxing. */
final class IntBuffer {
    private int[] data;
    private int size;

    IntBuffer(int capacity) {
        data = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (size == data.length) data = Arrays.copyOf(data, size * 2);
        data[size++] = v;
    }

    void addAll(int[] v) {
        if (size + v.length > data.length) data = Arrays.copyOf(data, Math.max(size * 2, size + v.length));
        System.arraycopy(v, 0, data, size, v.length);
        size += v.length;
    }

    int size() {
        return size;
    }

    int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
