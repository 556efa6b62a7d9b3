package io.sirocco.vision;

/**
 * The patch merger's input layout (spec §2.5, torch {@code unfold(kernel=m, stride=m)}): merged token (mr, mc) of a
 * grid of (hp, wp) patches, row-major over the (hp/m, wp/m) merged grid, gathers the m×m patches
 * (m·mr + ki, m·mc + kj) channel-major: input index {@code c·m² + ki·m + kj}.
 */
final class PatchMerger {
    private PatchMerger() {}

    /**
     * @param h     (N, H) patch features; this image's patches start at row {@code first}, row-major (hp, wp)
     * @param out   merged rows (hp/m · wp/m, H·m²) written from {@code outOff}
     */
    static void gather(float[] h, int first, int hp, int wp, int H, int m, float[] out, int outOff) {
        int mh = hp / m, mw = wp / m, width = H * m * m;
        for (int mr = 0; mr < mh; mr++) {
            for (int mc = 0; mc < mw; mc++) {
                int o = outOff + (mr * mw + mc) * width;
                for (int ki = 0; ki < m; ki++) {
                    for (int kj = 0; kj < m; kj++) {
                        int src = (first + (m * mr + ki) * wp + (m * mc + kj)) * H;
                        int sub = ki * m + kj;
                        for (int ch = 0; ch < H; ch++) out[o + ch * m * m + sub] = h[src + ch];
                    }
                }
            }
        }
    }
}
