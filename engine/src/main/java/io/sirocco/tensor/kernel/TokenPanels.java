package io.sirocco.tensor.kernel;

/**
 * How the prefill matmuls ({@link PanelMatmul}, {@link Int8PanelMatmul}) cut n activation rows into token panels, and
 * how a panel's results go back to row-major output.
 *
 * @param start first token of each panel
 * @param width panel widths, one of the given sizes; tokens past n in the last panel are padding
 */
record TokenPanels(int[] start, int[] width) {
    /**
     * Panels of the widest size while they fit; the rest in one panel of the widest size if it needs more than the
     * smaller sizes together, otherwise cut the same way by the smaller sizes (so padding stays below the smallest).
     *
     * @param sizes panel widths, widest first, each a multiple of the next
     */
    static TokenPanels plan(int n, int... sizes) {
        int[] start = new int[n / sizes[sizes.length - 1] + sizes.length + 1], width = new int[start.length];
        int count = 0, t = 0;
        for (int s = 0; s < sizes.length && t < n; s++) {
            int rest = 0;
            for (int u = s + 1; u < sizes.length; u++) rest += sizes[u];
            for (; n - t >= sizes[s]; t += sizes[s]) { start[count] = t; width[count++] = sizes[s]; }
            if (n - t > rest) { start[count] = t; width[count++] = sizes[s]; t = n; }
        }
        return new TokenPanels(java.util.Arrays.copyOf(start, count), java.util.Arrays.copyOf(width, count));
    }

    int count() {
        return start.length;
    }

    /** Real tokens of panel p (its width, or fewer in the last panel). */
    int valid(int p, int n) {
        return Math.min(width[p], n - start[p]);
    }

    /** out[o + j·rows + r] = acc[r·wd + j] for weight rows r &lt; nr and the valid tokens j of panel p. */
    void scatter(int p, int n, float[] acc, int nr, float[] out, int o, int rows) {
        int wd = width[p], valid = valid(p, n);
        for (int r = 0; r < nr; r++)
            for (int j = 0; j < valid; j++) out[o + j * rows + r] = acc[r * wd + j];
    }
}
