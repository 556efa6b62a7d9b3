package io.sirocco.tensor.kernel;

import io.sirocco.parallel.WorkerPool;
import io.sirocco.tensor.GgmlType;
import io.sirocco.tensor.HugePages;
import io.sirocco.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 4-, 6- or 8-bit weight matrix repacked for decode so that G consecutive rows are the G lanes of one 16-bit vector
 * ({@link Int8Decode}): products of weights and int8 activations then add up lane-wise, per row, with no reduction
 * across lanes, which is what keeps a matrix-vector product on the Vector API (no int8 dot product instruction)
 * under memory speed. llama.cpp repacks Q4_0 and Q4_K the same way for its x86 decode.
 *
 * <p>Rows are padded to whole groups with zero weights: G rows, 4·G for Q4_0 and Q4_K, 2·G for Q5_K and Q6_K. Each group is
 * one contiguous run of {@code groupBytes}, block after block along the columns. Within a block, every field lists its
 * rows side by side (f16 scales as two bytes per row), in the order the kernel reads them: a kernel that went back
 * for a block's scales after its values (or kept reading a scale table beside them) ran at a third of the speed from
 * DRAM, the same code at full speed from cache.
 * <ul>
 *   <li>Q4_0 in quads of 4·G rows, per 32 columns (18·4G bytes, as dense as the file): for each column k a short per
 *       lane i holding the nibbles of rows i, i + G, i + 2G, i + 3G from the lowest bits up; then d[4G] f16. The
 *       kernel multiplies whole shorts and their shifts, with no masks ({@link Int8Decode#q4_0}): a quarter fewer
 *       vector operations than one row per lane, 20.9 → 25.3 GB/s on one thread (KernelBench 32768×5120).
 *   <li>Q8_0, per 32 columns (34·G bytes, as the file): d[G] f16; then per column the G signed bytes. Q5_0 takes
 *       this layout too, converted exactly (q − 16 ∈ [−16, 15] under the same d; 34 bytes per 32 values, the file 22).
 *   <li>Q4_K in quads of 4·G rows, per 256 columns (148·4G bytes; the file takes 144·4G): per sub-block of 32
 *       columns the value shorts as for Q4_0, then its 6-bit scales sc[4G] and mins m[4G] as bytes; after the eight
 *       sub-blocks d[4G] and dmin[4G] f16.
 *   <li>Q6_K in pairs of 2·G rows, per 256 columns (276·2G bytes; the file takes 210·2G): per sub-block of 16
 *       columns its int8 scales sc[2G], then per column a short per lane i holding q ∈ [0, 63] of row i in the low
 *       byte and of row i + G in the high byte: 8 bits rather than 6 per value, so that the kernel needs no masks or
 *       sign extension, only one shift per 2·G values ({@link Int8Decode#q6_K}); after the sixteen sub-blocks d[2G]
 *       as f32 (small weights make it a subnormal half, which converted in the kernel leaves a subnormal float to
 *       multiply). The scale fields the kernel reads after a super-block's values come last: with d first, 5 % slower
 *       from DRAM (KernelBench 32768×5120, one thread: 7.0–7.5 → 6.6–6.9 ms); Q5_K with d and dmin first (16·G
 *       bytes back) ran at half the speed for 3072 rows and more (17 MB of copy; 2048 rows ran at full speed).
 *   <li>Q5_K in pairs of 2·G rows, per 256 columns (280·2G bytes; the file takes 176·2G): per sub-block of 32
 *       columns the pair shorts as for Q6_K with q ∈ [0, 31], then its 6-bit scales sc[2G] and mins m[2G] as bytes;
 *       after the eight sub-blocks d[2G] and dmin[2G] as f32 ({@link Int8Decode#q5_K}). Pairs rather than quads of nibbles plus a plane
 *       of fifth bits: the same vector operations per value as Q4_K's quads, where a separate bit plane would double
 *       them.
 * </ul>
 *
 * <p>BF16 is the exception: no lanes are interleaved (its products are float FMAs, summed per row), but the matrix is
 * cut into column slabs of {@link #SLAB}, each slab all rows of its 256 columns one after the other
 * ({@link BF16Kernel#slabs}). The activations of one slab then stay in 16 registers for every row, and a core streams
 * 23–25 GB/s instead of the 13–14 it reaches when every 64 bytes of weights also load 128 bytes of activations
 * (StreamProbe). The copy is as large as the matrix.
 */
final class InterleavedRows {
    private static final Logger LOG = Logger.getLogger(InterleavedRows.class.getName());

    /** Rows per group: the lanes of a 16-bit vector of the float species' width (32 on AVX-512, 16 on AVX2). */
    static final int G = VectorSpecies.of(short.class, Vec.F.vectorShape()).length();

    /** The value stored when a matrix could not be repacked: decode keeps using the file's layout for it. */
    private static final Object UNAVAILABLE = new Object();

    final GgmlType type;
    /** Rows per group: G; 4·G for Q4_0 and Q4_K, whose 16-bit lanes hold the nibbles of four rows; 2·G for Q5_K, Q6_K. */
    final int groupRows;
    final int rows, cols, groups;
    /** Columns per block of the layout ({@link #blockCols(GgmlType)}) and bytes of one group's block. */
    final int blockCols, blockBytes;
    final long groupBytes;
    final MemorySegment data;

    private InterleavedRows(GgmlType type, int rows, int cols, MemorySegment data) {
        this.type = type;
        this.rows = rows;
        this.cols = cols;
        this.groupRows = switch (type) {
            case Q4_0, Q4_K -> 4 * G;
            case Q5_K, Q6_K -> 2 * G;
            default -> G;
        };
        this.groups = (rows + groupRows - 1) / groupRows;
        this.blockCols = blockCols(type);
        this.blockBytes = groupRows * switch (type) {
            case Q4_0 -> 18;
            case Q8_0, Q5_0 -> 34;
            case Q4_K -> 148;
            case Q5_K -> 280;
            case Q6_K -> 276;
            case BF16 -> 2 * SLAB;  // one slab's width of G rows; the slabs themselves span all rows (see slabBytes)
            default -> throw Checks.unsupported(type);
        };
        this.groupBytes = (long) (cols / blockCols) * blockBytes;
        this.data = data;
    }

    /**
     * Columns per block: 32 for Q4_0 and Q8_0, 256 for the K types. Int8Decode quantizes activations per block too,
     * so that one activation scale meets one weight block.
     */
    static int blockCols(GgmlType type) {
        return type == GgmlType.Q4_0 || type == GgmlType.Q8_0 || type == GgmlType.Q5_0 ? 32 : 256;
    }

    /** BF16: columns per slab, and the bytes of one slab (every row's SLAB values, rows padded to whole groups). */
    static final int SLAB = 256;

    long slabBytes() {
        return (long) groups * groupRows * 2 * SLAB;
    }

    /** Types this layout takes, on machines with 16- or 32-lane short vectors. */
    static boolean supports(GgmlType type, int cols) {
        if (G != 16 && G != 32) return false;
        return switch (type) {
            case Q4_0, Q8_0, Q5_0 -> cols % 32 == 0;
            case Q4_K, Q5_K, Q6_K -> cols % 256 == 0;
            case BF16 -> Vec.L == 16 && cols % SLAB == 0;  // BF16Kernel.slabs is written for 16 float lanes
            default -> false;
        };
    }

    static long byteSize(GgmlType type, int rows, int cols) {
        InterleavedRows shape = new InterleavedRows(type, rows, cols, null);
        return shape.groups * shape.groupBytes;
    }

    /**
     * The repacked form of {@code w}, built on first use and kept with the tensor; null if it cannot be had (memory),
     * in which case the caller keeps to the file's layout. Every caller that finds it missing or in progress packs
     * groups of rows until none is left, then waits for the last ones in other hands: a decode step that needs a
     * matrix a {@link BackgroundRepack} is on finishes it with the whole pool instead of waiting, and results never
     * depend on how far the job got.
     */
    static InterleavedRows of(Tensor w, WorkerPool pool) {
        if (!w.derived().keeps()) return null;  // a view made per call: repacking it would cost more than it saves
        Object v = w.derived().get();
        if (v instanceof InterleavedRows p) return p;
        if (v == UNAVAILABLE) return null;
        Build build;
        synchronized (w.derived()) {
            v = w.derived().get();
            if (v instanceof InterleavedRows p) return p;
            if (v == UNAVAILABLE) return null;
            if (v instanceof Build b) {
                build = b;
            } else {
                InterleavedRows p = allocate(w);
                if (p == null) {
                    w.derived().set(UNAVAILABLE);
                    return null;
                }
                build = new Build(w, p);
                w.derived().set(build);
            }
        }
        pool.parallelFor(pool.parallelism(), i -> build.work());
        build.awaitOthers();
        synchronized (w.derived()) {
            if (build.failed != null) {
                LOG.warning("decode keeps the file layout for " + w.name() + ": repacking failed (" + build.failed + ")");
                if (w.derived().get() == build) w.derived().set(UNAVAILABLE);
                return null;
            }
            if (w.derived().get() == build) w.derived().set(build.p);
            return build.p;
        }
    }

    /**
     * Whether a product of {@code n} activation rows with a matrix of this type runs over its copy: BF16 below 8
     * (one slab pass per 4 tokens; from 8 on, the small-batch float path is faster), the others as
     * {@link Int8Decode#takes}.
     */
    static boolean usedFor(GgmlType type, int n) {
        return type == GgmlType.BF16 ? n < 8 : Int8Decode.takes(type, n);
    }

    /** Whether decode would use a repacked copy of {@code w} (one activation row; a matrix kept, not a view). */
    static boolean wanted(Tensor w) {
        return w.derived().keeps() && w.shape().length == 2 && usedFor(w.type(), 1)
                && supports(w.type(), Math.toIntExact(w.cols()));
    }

    /** Bytes held by copies alive now (a Cleaner gives them back when a copy is collected). */
    private static final AtomicLong COPIED = new AtomicLong();
    private static final Cleaner CLEANER = Cleaner.create();
    /** Most bytes all copies together may hold ({@link Kernels#setDecodeCopyBudget}); unlimited by default. */
    static volatile long budget = Long.MAX_VALUE;
    private static final AtomicBoolean BUDGET_WARNED = new AtomicBoolean();

    static long copiedBytes() {
        return COPIED.get();
    }

    /**
     * An empty copy of {@code w}'s shape if memory allows (the copy budget, and {@link HugePages#affordable}), else
     * null with a warning.
     */
    private static InterleavedRows allocate(Tensor w) {
        int rows = Math.toIntExact(w.rows()), cols = Math.toIntExact(w.cols());
        long size = byteSize(w.type(), rows, cols);
        if (COPIED.get() + size > budget) {
            if (!BUDGET_WARNED.getAndSet(true))
                LOG.warning("decode keeps the file layout for " + w.name() + " and the matrices after it: the decode copies' "
                        + "budget (" + (budget >> 20) + " MiB: what memory leaves beside the mapped weights) is spent");
            return null;
        }
        if (!HugePages.affordable(size)) {
            LOG.warning("decode keeps the file layout for " + w.name() + ": a repacked copy (" + (size >> 20)
                    + " MiB) would leave too little memory available");
            return null;
        }
        try {
            InterleavedRows p = new InterleavedRows(w.type(), rows, cols, HugePages.allocate(size));
            COPIED.addAndGet(size);
            CLEANER.register(p, () -> COPIED.addAndGet(-size));
            return p;
        } catch (OutOfMemoryError e) {  // mmap refused, or the direct memory limit (-XX:MaxDirectMemorySize)
            LOG.warning("decode keeps the file layout for " + w.name() + ": no memory to repack it (" + e.getMessage() + ")");
            return null;
        }
    }

    /** {@code w} repacked now, rows split across {@code pool} (not kept with the tensor). */
    static InterleavedRows pack(Tensor w, WorkerPool pool) {
        int rows = Math.toIntExact(w.rows()), cols = Math.toIntExact(w.cols());
        Build build = new Build(w, new InterleavedRows(w.type(), rows, cols, HugePages.allocate(byteSize(w.type(), rows, cols))));
        pool.parallelFor(pool.parallelism(), i -> build.work());
        if (build.failed != null) throw build.failed;
        return build.p;
    }

    /**
     * A copy being packed: groups of rows handed out a few at a time to whoever works on it (the background job's
     * thread, a decode step's pool), so that any number of threads can join or leave.
     */
    private static final class Build {
        private static final int CHUNK = 4;  // groups per grab: ~0.3–0.6 MB of copy for 5120 columns
        final Tensor w;
        final InterleavedRows p;
        private final AtomicInteger next = new AtomicInteger(), finished = new AtomicInteger();
        volatile RuntimeException failed;

        Build(Tensor w, InterleavedRows p) {
            this.w = w;
            this.p = p;
        }

        /** Packs chunks of groups until none is left to take. */
        void work() {
            int rowBytes = Math.toIntExact(w.rowBytes());
            byte[] rowsOf = null, out = null;
            for (int g0; failed == null && (g0 = next.getAndAdd(CHUNK)) < p.groups; ) {
                if (rowsOf == null && p.type != GgmlType.BF16) {  // BF16 copies segment to segment
                    rowsOf = new byte[p.groupRows * rowBytes];  // the group's rows as in the file, zeros past the end
                    out = new byte[(int) p.groupBytes];
                }
                int g1 = Math.min(p.groups, g0 + CHUNK);
                try {
                    for (int g = g0; g < g1; g++) p.packGroup(w.data(), rowBytes, g, rowsOf, out);
                } catch (Throwable e) {  // e.g. the mapping closed under the background job: no one may wait forever
                    failed = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
                finished.addAndGet(g1 - g0);
            }
        }

        /** Waits for the chunks other threads still hold (a few milliseconds at most). */
        void awaitOthers() {
            while (finished.get() < p.groups && failed == null) Thread.onSpinWait();
        }
    }

    private void packGroup(MemorySegment src, int rowBytes, int g, byte[] rowsOf, byte[] out) {
        int n = Math.min(groupRows, rows - g * groupRows);
        if (type == GgmlType.BF16) {  // each row's SLAB-column pieces to their slabs; padding rows stay zero
            for (int r = g * groupRows; r < g * groupRows + n; r++)
                for (int s = 0; s < cols / SLAB; s++)
                    MemorySegment.copy(src, (long) r * rowBytes + 2L * SLAB * s, data, s * slabBytes() + 2L * SLAB * r, 2L * SLAB);
            return;
        }
        MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (long) g * groupRows * rowBytes, rowsOf, 0, n * rowBytes);
        if (n < groupRows) java.util.Arrays.fill(rowsOf, n * rowBytes, rowsOf.length, (byte) 0);
        switch (type) {
            case Q4_0 -> packQ4_0(rowsOf, rowBytes, out);
            case Q8_0 -> packQ8_0(rowsOf, rowBytes, out);
            case Q5_0 -> packQ8_0(q8_0Rows(rowsOf, rowBytes), 34 * (cols / 32), out);
            case Q4_K -> packQ4_K(rowsOf, rowBytes, out);
            case Q5_K -> packQ5_K(rowsOf, rowBytes, out);
            case Q6_K -> packQ6_K(rowsOf, rowBytes, out);
            default -> throw Checks.unsupported(type);
        }
        MemorySegment.copy(out, 0, data, ValueLayout.JAVA_BYTE, g * groupBytes, out.length);
    }

    /*
     * Packing: per block, the f16 scales are copied row by row ({@link #halves}); the one-byte fields of G rows at a
     * time (values, Q6_K's scales) are first laid out per row in their final order (a K-byte stage row, written
     * sequentially), then the (G, K) stage is transposed to (K, G) in 8×8 byte tiles held in longs. Quads and pairs
     * transpose each G-row member this way, then widen, shift and OR the members into shorts with the Vector API.
     * Byte by byte, either order, packing ran at 0.2–0.8 GB/s per thread.
     */

    /**
     * Q4_0 in quads: per block, column k's short in lane i holds the nibbles of rows i, i + G, i + 2G and i + 3G from
     * the lowest bits up (the file's byte j holds column j low and j + 16 high); the 4·G scales follow.
     */
    private void packQ4_0(byte[] in, int rb, byte[] out) {
        byte[] stage = new byte[G * 16], members = new byte[4 * 16 * G];
        for (int b = 0, nb = cols / 32, o = 0; b < nb; b++, o += blockBytes) {
            int src = 18 * b;
            quadShorts(in, rb, src + 2, 16, stage, members, out, o, o + 32 * G);  // columns k and k + 16
            halves(in, rb, src, 4 * G, out, o + 64 * G);
        }
    }

    /**
     * The quad shorts of {@code width} nibble-pair bytes from offset {@code from} of each of the 4·G rows: per column i
     * the short of its low nibbles to {@code low} + 2G·i, of its high nibbles to {@code high} + 2G·i. Each quad member's
     * G rows are transposed to (width, G) bytes, then the four members are widened, shifted into place and ORed.
     */
    private static void quadShorts(byte[] in, int rb, int from, int width, byte[] stage, byte[] members, byte[] out,
                                   int low, int high) {
        for (int t = 0; t < 4; t++) {
            for (int l = 0; l < G; l++) System.arraycopy(in, (l + t * G) * rb + from, stage, width * l, width);
            transpose(stage, width, members, width * G * t);
        }
        for (int i = 0; i < width; i++) {
            ShortVector lo = ShortVector.zero(QS), hi = lo;
            for (int t = 0; t < 4; t++) {
                ShortVector v = (ShortVector) ByteVector.fromArray(QB, members, width * G * t + G * i)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, QS, 0);
                lo = lo.or(v.and((short) 0xF).lanewise(VectorOperators.LSHL, 4 * t));
                hi = hi.or(v.lanewise(VectorOperators.LSHR, 4).lanewise(VectorOperators.LSHL, 4 * t));
            }
            lo.reinterpretAsBytes().intoArray(out, low + 2 * G * i);  // little-endian lane order, as the kernel reads
            hi.reinterpretAsBytes().intoArray(out, high + 2 * G * i);
        }
    }

    /** Q8_0 (34-byte blocks: f16 d, 32 signed bytes). */
    private void packQ8_0(byte[] in, int rb, byte[] out) {
        int k = 32;
        byte[] stage = new byte[G * k];
        for (int b = 0, nb = cols / 32, o = 0; b < nb; b++, o += blockBytes) {
            int src = 34 * b;
            halves(in, rb, src, G, out, o);
            for (int l = 0; l < G; l++) System.arraycopy(in, l * rb + src + 2, stage, l * k, k);
            transpose(stage, k, out, o + 2 * G);
        }
    }

    /**
     * G rows of Q5_0 as Q8_0 rows: per block the same d, then the 32 values q − 16 (low nibbles and bit i of qh are
     * value i, high nibbles and bit i + 16 value i + 16), exactly the weights of the file.
     */
    private byte[] q8_0Rows(byte[] in, int rb) {
        int nb = cols / 32;
        byte[] q8 = new byte[G * 34 * nb];
        for (int r = 0; r < G; r++)
            for (int b = 0; b < nb; b++) {
                int src = r * rb + 22 * b, dst = (r * nb + b) * 34;
                q8[dst] = in[src];
                q8[dst + 1] = in[src + 1];
                int qh = (in[src + 2] & 0xFF) | (in[src + 3] & 0xFF) << 8 | (in[src + 4] & 0xFF) << 16 | (in[src + 5] & 0xFF) << 24;
                for (int i = 0; i < 16; i++) {
                    int q = in[src + 6 + i] & 0xFF;
                    q8[dst + 2 + i] = (byte) (((q & 0xF) | ((qh >>> i) & 1) << 4) - 16);
                    q8[dst + 18 + i] = (byte) (((q >>> 4) | ((qh >>> (i + 16)) & 1) << 4) - 16);
                }
            }
        return q8;
    }

    /**
     * Q4_K in quads: per sub-block j, column i's short in lane l holds the nibbles of rows l + tG (t &lt; 4), then the
     * sub-block's 6-bit scales and mins of the 4·G rows; d and dmin after the eight sub-blocks.
     */
    private void packQ4_K(byte[] in, int rb, byte[] out) {
        MemorySegment rows = MemorySegment.ofArray(in);  // for scaleK4/minK4
        byte[] stage = new byte[G * 32], members = new byte[4 * 32 * G];
        for (int s = 0, ns = cols / 256, o = 0; s < ns; s++, o += blockBytes) {
            int src = 144 * s;
            for (int c = 0; c < 4; c++)  // the file's chunk c of 32 bytes: sub-block 2c in the low nibbles, 2c + 1 high
                quadShorts(in, rb, src + 16 + 32 * c, 32, stage, members, out, o + 72 * G * (2 * c), o + 72 * G * (2 * c + 1));
            for (int j = 0; j < 8; j++)
                for (int r = 0, vo = o + 72 * G * j; r < 4 * G; r++) {
                    out[vo + 64 * G + r] = (byte) ScalarKernels.scaleK4(rows, (long) r * rb + src + 4, j);
                    out[vo + 68 * G + r] = (byte) ScalarKernels.minK4(rows, (long) r * rb + src + 4, j);
                }
            halves(in, rb, src, 4 * G, out, o + 576 * G);          // d
            halves(in, rb, src + 2, 4 * G, out, o + 584 * G);      // dmin
        }
    }

    /**
     * Q6_K in pairs: per sub-block j the 2·G scales, then per column the short of lane l holding q ∈ [0, 63] of row
     * l in its low byte and of row l + G in its high byte; after the sixteen sub-blocks the 2·G d. Each row is first
     * spelled out as sc and 16 values per sub-block (the stage), each half of the rows transposed, then the halves
     * interleaved.
     */
    private void packQ6_K(byte[] in, int rb, byte[] out) {
        int k = 16 * 17;  // per sub-block j of 16 columns: sc, 16 values
        byte[] stage = new byte[G * k], members = new byte[2 * k * G];
        for (int s = 0, ns = cols / 256, o = 0; s < ns; s++, o += blockBytes) {
            int src = 210 * s;
            for (int t = 0; t < 2; t++) {
                for (int l = 0; l < G; l++) q6Row(in, (l + t * G) * rb + src, stage, l * k);
                transpose(stage, k, members, k * G * t);
            }
            for (int r = 0; r < 2 * G; r++) FLOATS.set(out, o + 544 * G + 4 * r, Bytes.f16(in, r * rb + src + 208));
            for (int j = 0; j < 16; j++) {
                int sj = o + 34 * G * j;
                System.arraycopy(members, 17 * G * j, out, sj, G);
                System.arraycopy(members, k * G + 17 * G * j, out, sj + G, G);
                for (int i = 0; i < 16; i++) pairShorts(members, k * G, G * (17 * j + 1 + i), out, sj + 2 * G + 2 * G * i);
            }
        }
    }

    /**
     * Q5_K in pairs: per sub-block j, per column the short of lane l holding q ∈ [0, 31] of row l in its low byte and
     * of row l + G in its high byte (as Q6_K), then the 2·G scales and mins; after the eight sub-blocks the 2·G d and
     * dmin as f32.
     */
    private void packQ5_K(byte[] in, int rb, byte[] out) {
        MemorySegment rows = MemorySegment.ofArray(in);  // for scaleK4/minK4
        int k = 256;  // a stage row: the super-block's values in order
        byte[] stage = new byte[G * k], members = new byte[2 * k * G];
        for (int s = 0, ns = cols / 256, o = 0; s < ns; s++, o += blockBytes) {
            int src = 176 * s;
            for (int t = 0; t < 2; t++) {
                for (int l = 0; l < G; l++) q5Row(in, (l + t * G) * rb + src, stage, l * k);
                transpose(stage, k, members, k * G * t);
            }
            for (int r = 0; r < 2 * G; r++) {
                FLOATS.set(out, o + 544 * G + 4 * r, Bytes.f16(in, r * rb + src));
                FLOATS.set(out, o + 552 * G + 4 * r, Bytes.f16(in, r * rb + src + 2));
            }
            for (int j = 0; j < 8; j++) {
                int sj = o + 68 * G * j;
                for (int r = 0; r < 2 * G; r++) {
                    out[sj + 64 * G + r] = (byte) ScalarKernels.scaleK4(rows, (long) r * rb + src + 4, j);
                    out[sj + 66 * G + r] = (byte) ScalarKernels.minK4(rows, (long) r * rb + src + 4, j);
                }
                for (int i = 0; i < 32; i++) pairShorts(members, k * G, G * (32 * j + i), out, sj + 2 * G * i);
            }
        }
    }

    /**
     * One row's Q5_K super-block at r as the stage row at t: its 256 values q ∈ [0, 31] in order. Chunk c of the 128
     * nibble bytes holds sub-block 2c in its low nibbles and 2c + 1 in its high ones; their fifth bits are bits 2c and
     * 2c + 1 of the 32 qh bytes (ScalarKernels.q5_K).
     */
    private static void q5Row(byte[] in, int r, byte[] stage, int t) {
        ByteVector qh = ByteVector.fromArray(B32, in, r + 16);
        for (int c = 0; c < 4; c++) {
            ByteVector qs = ByteVector.fromArray(B32, in, r + 48 + 32 * c);
            qs.and((byte) 0xF).or(qh.lanewise(VectorOperators.LSHR, 2 * c).and((byte) 1).lanewise(VectorOperators.LSHL, 4))
                    .intoArray(stage, t + 64 * c);
            qs.lanewise(VectorOperators.LSHR, 4).or(qh.lanewise(VectorOperators.LSHR, 2 * c + 1).and((byte) 1).lanewise(VectorOperators.LSHL, 4))
                    .intoArray(stage, t + 64 * c + 32);
        }
    }

    /**
     * One column of a pair group (Q5_K, Q6_K) into out[to ..]: the short of lane l holds member byte c + l of the
     * first half of the rows (row l) low and of the second half (row l + G, {@code half} further on) high.
     */
    private static void pairShorts(byte[] members, int half, int c, byte[] out, int to) {
        ShortVector lo = (ShortVector) ByteVector.fromArray(QB, members, c).convertShape(VectorOperators.ZERO_EXTEND_B2S, QS, 0);
        ShortVector hi = (ShortVector) ByteVector.fromArray(QB, members, half + c).convertShape(VectorOperators.ZERO_EXTEND_B2S, QS, 0);
        lo.or(hi.lanewise(VectorOperators.LSHL, 8)).reinterpretAsBytes().intoArray(out, to);  // little-endian lanes
    }

    /** One row's Q6_K super-block at r as the stage row at t: per sub-block its scale, then its 16 values q ∈ [0, 63]. */
    private static void q6Row(byte[] in, int r, byte[] stage, int t) {
        for (int j = 0; j < 16; j++) stage[t + 17 * j] = in[r + 192 + j];
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 32; i += 16) {  // values c = 128h + i + 32q, q < 4 (ScalarKernels.q6_K), 16 at a time
                int ql = r + 64 * h + i, c = 128 * h + i;
                ByteVector lo = ByteVector.fromArray(B16, in, ql), hi = ByteVector.fromArray(B16, in, ql + 32);
                ByteVector bits = ByteVector.fromArray(B16, in, r + 128 + 32 * h + i);
                lo.and((byte) 0xF).or(bits.and((byte) 3).lanewise(VectorOperators.LSHL, 4)).intoArray(stage, t + q6(c));
                hi.and((byte) 0xF).or(bits.lanewise(VectorOperators.LSHR, 2).and((byte) 3).lanewise(VectorOperators.LSHL, 4))
                        .intoArray(stage, t + q6(c + 32));
                lo.lanewise(VectorOperators.LSHR, 4).or(bits.lanewise(VectorOperators.LSHR, 4).and((byte) 3).lanewise(VectorOperators.LSHL, 4))
                        .intoArray(stage, t + q6(c + 64));
                hi.lanewise(VectorOperators.LSHR, 4).or(bits.lanewise(VectorOperators.LSHR, 6).lanewise(VectorOperators.LSHL, 4))
                        .intoArray(stage, t + q6(c + 96));
            }
    }

    /** The f16 (two bytes) at {@code from} of each of n rows of {@code rb} bytes to out[to ..], row after row. */
    private static void halves(byte[] in, int rb, int from, int n, byte[] out, int to) {
        for (int r = 0; r < n; r++) {
            out[to + 2 * r] = in[r * rb + from];
            out[to + 2 * r + 1] = in[r * rb + from + 1];
        }
    }

    /** Where value c (of 256) of a Q6_K super-block sits in a stage row: after its sub-block's scale (c % 16 == 0 here). */
    private static int q6(int c) {
        return 17 * (c / 16) + 1 + c % 16;
    }

    /** G lanes: one column of a quad (Q4_0, Q4_K) or pair (Q5_K, Q6_K) as bytes of one row each, and as the packed shorts. */
    private static final VectorSpecies<Byte> QB = VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * G));
    private static final VectorSpecies<Short> QS = VectorSpecies.of(short.class, VectorShape.forBitSize(16 * G));

    /** 16 bytes: one Q6_K sub-block's values per vector while packing ({@link #q6Row}). */
    private static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** 32 bytes: one Q5_K sub-block's values per vector while packing ({@link #q5Row}). */
    private static final VectorSpecies<Byte> B32 = ByteVector.SPECIES_256;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * out[off + k·G + l] = stage[l·K + k] for l &lt; G, k &lt; K (K a multiple of 8): 8×8 tiles, each as eight longs
     * (rows) turned into eight longs (columns) by three rounds of swaps of 1-, 2- and 4-byte halves.
     */
    static void transpose(byte[] stage, int kk, byte[] out, int off) {
        for (int l0 = 0; l0 < G; l0 += 8)
            for (int k0 = 0; k0 < kk; k0 += 8) {
                int at = l0 * kk + k0;
                long r0 = (long) LONGS.get(stage, at), r1 = (long) LONGS.get(stage, at + kk);
                long r2 = (long) LONGS.get(stage, at + 2 * kk), r3 = (long) LONGS.get(stage, at + 3 * kk);
                long r4 = (long) LONGS.get(stage, at + 4 * kk), r5 = (long) LONGS.get(stage, at + 5 * kk);
                long r6 = (long) LONGS.get(stage, at + 6 * kk), r7 = (long) LONGS.get(stage, at + 7 * kk);
                long m = 0x00FF00FF00FF00FFL, t;
                t = ((r0 >>> 8) ^ r1) & m; r1 ^= t; r0 ^= t << 8;
                t = ((r2 >>> 8) ^ r3) & m; r3 ^= t; r2 ^= t << 8;
                t = ((r4 >>> 8) ^ r5) & m; r5 ^= t; r4 ^= t << 8;
                t = ((r6 >>> 8) ^ r7) & m; r7 ^= t; r6 ^= t << 8;
                m = 0x0000FFFF0000FFFFL;
                t = ((r0 >>> 16) ^ r2) & m; r2 ^= t; r0 ^= t << 16;
                t = ((r1 >>> 16) ^ r3) & m; r3 ^= t; r1 ^= t << 16;
                t = ((r4 >>> 16) ^ r6) & m; r6 ^= t; r4 ^= t << 16;
                t = ((r5 >>> 16) ^ r7) & m; r7 ^= t; r5 ^= t << 16;
                m = 0x00000000FFFFFFFFL;
                t = ((r0 >>> 32) ^ r4) & m; r4 ^= t; r0 ^= t << 32;
                t = ((r1 >>> 32) ^ r5) & m; r5 ^= t; r1 ^= t << 32;
                t = ((r2 >>> 32) ^ r6) & m; r6 ^= t; r2 ^= t << 32;
                t = ((r3 >>> 32) ^ r7) & m; r7 ^= t; r3 ^= t << 32;
                int o = off + k0 * G + l0;
                LONGS.set(out, o, r0);
                LONGS.set(out, o + G, r1);
                LONGS.set(out, o + 2 * G, r2);
                LONGS.set(out, o + 3 * G, r3);
                LONGS.set(out, o + 4 * G, r4);
                LONGS.set(out, o + 5 * G, r5);
                LONGS.set(out, o + 6 * G, r6);
                LONGS.set(out, o + 7 * G, r7);
            }
    }
}
