package io.sirocco.tensor.kernel;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.HugePages;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.logging.Logger;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 4-, 6- or 8-bit weight matrix repacked for decode so that G consecutive rows are the G lanes of one 16-bit vector
 * ({@link Int8Decode}): products of weights and int8 activations then add up lane-wise, per row, with no reduction
 * across lanes, which is what keeps a matrix-vector product on the Vector API (no int8 dot product instruction)
 * under memory speed. llama.cpp repacks Q4_0 and Q4_K the same way for its x86 decode.
 *
 * <p>Rows are padded to a multiple of G with zero weights. Each group of G rows is one contiguous run of
 * {@code groupBytes}, block after block along the columns. Within a block, every field lists its G rows side by side
 * (f16 scales as two bytes per row), in the order the kernel reads them: a kernel that went back for a block's
 * scales after its values (or kept reading a scale table beside them) ran at a third of the speed from DRAM, the
 * same code at full speed from cache.
 * <ul>
 *   <li>Q4_0, per 32 columns (18·G bytes, as dense as the file): d[G] f16; then for k &lt; 16 the byte of each row
 *       whose low nibble is column k and high nibble column k + 16 (the file's own pairing).
 *   <li>Q8_0, per 32 columns (34·G bytes, as the file): d[G] f16; then per column the G signed bytes.
 *   <li>Q4_K, per 256 columns (148·G bytes; the file takes 144·G): d[G], dmin[G] f16; then per sub-block of 32
 *       columns its 6-bit scales sc[G] and mins m[G] as bytes and its 16·G nibble bytes as for Q4_0.
 *   <li>Q6_K, per 256 columns (274·G bytes; the file takes 210·G): d[G] f16; then per sub-block of 16 columns its
 *       int8 scales sc[G] followed by q − 32 ∈ [−32, 31] as one signed byte per column and row: 8 bits rather
 *       than 6 per value, bought for a decode of one sign extension instead of three masked shifts.
 * </ul>
 */
final class InterleavedRows {
    private static final Logger LOG = Logger.getLogger(InterleavedRows.class.getName());

    /** Rows per group: the lanes of a 16-bit vector of the float species' width (32 on AVX-512, 16 on AVX2). */
    static final int G = VectorSpecies.of(short.class, Vec.F.vectorShape()).length();

    /** The value stored when a matrix could not be repacked: decode keeps using the file's layout for it. */
    private static final Object UNAVAILABLE = new Object();

    final GgmlType type;
    final int rows, cols, groups;
    /** Columns per block of the layout (32 for Q4_0, 256 for the K types) and bytes of one group's block. */
    final int blockCols, blockBytes;
    final long groupBytes;
    final MemorySegment data;

    private InterleavedRows(GgmlType type, int rows, int cols, MemorySegment data) {
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.groups = (rows + G - 1) / G;
        this.blockCols = type == GgmlType.Q4_0 || type == GgmlType.Q8_0 ? 32 : 256;
        this.blockBytes = G * switch (type) {
            case Q4_0 -> 18;
            case Q8_0 -> 34;
            case Q4_K -> 148;
            case Q6_K -> 274;
            default -> throw Checks.unsupported(type);
        };
        this.groupBytes = (long) (cols / blockCols) * blockBytes;
        this.data = data;
    }

    /** Types this layout takes, on machines with 16- or 32-lane short vectors. */
    static boolean supports(GgmlType type, int cols) {
        if (G != 16 && G != 32) return false;
        return switch (type) {
            case Q4_0, Q8_0 -> cols % 32 == 0;
            case Q4_K, Q6_K -> cols % 256 == 0;
            default -> false;
        };
    }

    static long byteSize(GgmlType type, int rows, int cols) {
        InterleavedRows shape = new InterleavedRows(type, rows, cols, null);
        return shape.groups * shape.groupBytes;
    }

    /**
     * The repacked form of {@code w}, built on first use (rows split across {@code pool}) and kept with the tensor;
     * null if it cannot be had (memory), in which case the caller keeps to the file's layout.
     */
    static InterleavedRows of(Tensor w, WorkerPool pool) {
        if (!w.derived().keeps()) return null;  // a view made per call: repacking it would cost more than it saves
        Object v = w.derived().get();
        if (v instanceof InterleavedRows p) return p;
        if (v == UNAVAILABLE) return null;
        synchronized (w.derived()) {
            v = w.derived().get();
            if (v instanceof InterleavedRows p) return p;
            if (v == UNAVAILABLE) return null;
            InterleavedRows p = null;
            try {
                p = pack(w, pool);
            } catch (OutOfMemoryError e) {  // direct memory limit: -XX:MaxDirectMemorySize
                LOG.warning("decode keeps the file layout for " + w.name() + ": no memory to repack it (" + e.getMessage() + ")");
            }
            w.derived().set(p == null ? UNAVAILABLE : p);
            return p;
        }
    }

    static InterleavedRows pack(Tensor w, WorkerPool pool) {
        int rows = Math.toIntExact(w.rows()), cols = Math.toIntExact(w.cols());
        long size = byteSize(w.type(), rows, cols);
        MemorySegment dst = HugePages.allocate(size);
        InterleavedRows p = new InterleavedRows(w.type(), rows, cols, dst);
        MemorySegment src = w.data();
        int rowBytes = Math.toIntExact(w.rowBytes());
        pool.parallelForRange(p.groups, 1, (g0, g1) -> {
            byte[] rowsOf = new byte[G * rowBytes];  // (G, rowBytes): the group's rows as in the file, zeros past the end
            byte[] out = new byte[(int) p.groupBytes];
            for (int g = g0; g < g1; g++) {
                int n = Math.min(G, rows - g * G);
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) g * G * rowBytes, rowsOf, 0, n * rowBytes);
                if (n < G) java.util.Arrays.fill(rowsOf, n * rowBytes, rowsOf.length, (byte) 0);
                switch (p.type) {
                    case Q4_0 -> p.packScaledBlocks(rowsOf, rowBytes, out, 18);
                    case Q8_0 -> p.packScaledBlocks(rowsOf, rowBytes, out, 34);
                    case Q4_K -> p.packQ4_K(rowsOf, rowBytes, out);
                    case Q6_K -> p.packQ6_K(rowsOf, rowBytes, out);
                    default -> throw Checks.unsupported(p.type);
                }
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, g * p.groupBytes, out.length);
            }
        });
        return p;
    }

    /*
     * The packers write a group's bytes in order (o counts up), reading byte i of row l at in[l·rb + i]: G rows of a
     * block span a few KiB that stay in L1. Written row by row instead (one strided store per byte), packing ran at
     * 0.2–0.6 GB/s.
     */

    /**
     * Q4_0 (18-byte blocks: f16 d, 16 nibble bytes) and Q8_0 (34: f16 d, 32 signed bytes) alike: per block the G
     * scales, then each of the block's value bytes for the G rows.
     */
    private void packScaledBlocks(byte[] in, int rb, byte[] out, int blockBytes) {
        int o = 0;
        for (int b = 0, nb = cols / 32; b < nb; b++) {
            int src = blockBytes * b;
            for (int l = 0; l < G; l++) {
                out[o++] = in[l * rb + src];
                out[o++] = in[l * rb + src + 1];
            }
            for (int k = 2; k < blockBytes; k++)
                for (int l = 0; l < G; l++) out[o++] = in[l * rb + src + k];
        }
    }

    private void packQ4_K(byte[] in, int rb, byte[] out) {
        int o = 0;
        for (int s = 0, ns = cols / 256; s < ns; s++) {
            int src = 144 * s;
            for (int l = 0; l < G; l++) {  // d
                out[o++] = in[l * rb + src];
                out[o++] = in[l * rb + src + 1];
            }
            for (int l = 0; l < G; l++) {  // dmin
                out[o++] = in[l * rb + src + 2];
                out[o++] = in[l * rb + src + 3];
            }
            for (int j = 0; j < 8; j++) {
                for (int l = 0; l < G; l++) out[o++] = (byte) scaleK4(in, l * rb + src + 4, j);
                for (int l = 0; l < G; l++) out[o++] = (byte) minK4(in, l * rb + src + 4, j);
                // The file: chunk c of 32 bytes holds sub-block 2c in its low nibbles, 2c + 1 in its high ones.
                // Here: sub-block j as 16 bytes, byte k = column k (low) | column k + 16 (high).
                int chunk = src + 16 + 32 * (j / 2), shift = 4 * (j % 2);
                for (int k = 0; k < 16; k++)
                    for (int l = 0; l < G; l++) {
                        int at = l * rb + chunk + k;
                        out[o++] = (byte) (((in[at] >> shift) & 0xF) | ((in[at + 16] >> shift) & 0xF) << 4);
                    }
            }
        }
    }

    private void packQ6_K(byte[] in, int rb, byte[] out) {
        int o = 0;
        for (int s = 0, ns = cols / 256; s < ns; s++) {
            int src = 210 * s;
            for (int l = 0; l < G; l++) {
                out[o++] = in[l * rb + src + 208];
                out[o++] = in[l * rb + src + 209];
            }
            for (int j = 0; j < 16; j++) {
                for (int l = 0; l < G; l++) out[o++] = in[l * rb + src + 192 + j];
                for (int c = 16 * j; c < 16 * j + 16; c++) {
                    // Value c: half h = c / 128, quarter q and position i within it; low 4 bits from ql, top 2 from qh.
                    int h = c / 128, q = (c % 128) / 32, i = c % 32;
                    int ql = src + 64 * h + i + 32 * (q & 1), lowShift = 4 * (q >> 1), qh = src + 128 + 32 * h + i;
                    for (int l = 0; l < G; l++)
                        out[o++] = (byte) ((((in[l * rb + ql] & 0xFF) >> lowShift & 0xF) | ((in[l * rb + qh] >> 2 * q) & 3) << 4) - 32);
                }
            }
        }
    }

    /** As {@link ScalarKernels#scaleK4} on a byte array. */
    private static int scaleK4(byte[] b, int scales, int j) {
        if (j < 4) return b[scales + j] & 63;
        return (b[scales + j + 4] & 0xF) | ((b[scales + j - 4] & 0xFF) >>> 6) << 4;
    }

    private static int minK4(byte[] b, int scales, int j) {
        if (j < 4) return b[scales + j + 4] & 63;
        return ((b[scales + j + 4] & 0xFF) >>> 4) | ((b[scales + j] & 0xFF) >>> 6) << 4;
    }
}
