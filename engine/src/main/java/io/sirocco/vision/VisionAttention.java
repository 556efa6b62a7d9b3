package io.sirocco.vision;

import io.sirocco.model.Ops;
import io.sirocco.parallel.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Block-diagonal, non-causal multi-head attention over images packed in one sequence (xformers
 * {@code BlockDiagonalMask} in mistral-inference): a token attends to every token of its own image and to none of
 * the others. Scale hd^−½, softmax in float with a double sum, as the text decoder's.
 *
 * <p>Heads are first copied to contiguous (N, hd) planes so each key and value row is read sequentially; queries are
 * processed four at a time so every key and value chunk loaded serves four of them. {@link #reference} is the plain
 * scalar version the fast path is tested against.
 */
final class VisionAttention {
    private VisionAttention() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int QT = 4;  // queries per tile

    /**
     * @param q, k, v  (N, nHeads·hd) rotated queries / keys, values
     * @param segments image boundaries: image i holds tokens [segments[i], segments[i+1])
     * @param out      (N, nHeads·hd)
     */
    static void run(float[] q, float[] k, float[] v, int nHeads, int hd, int[] segments, float[] out, WorkerPool pool) {
        int n = segments[segments.length - 1], width = nHeads * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        float[] qh = toHeadPlanes(q, n, nHeads, hd), kh = toHeadPlanes(k, n, nHeads, hd), vh = toHeadPlanes(v, n, nHeads, hd);
        // Work items: (head, tile of QT queries that never straddles two images).
        int[] tileStart = tiles(segments);
        int tiles = tileStart.length;
        pool.parallelFor(nHeads * tiles, item -> {
            int h = item / tiles, tile = item % tiles;
            int t0 = tileStart[tile];
            int seg = segmentOf(segments, t0);
            int s = segments[seg], e = segments[seg + 1];
            int t1 = Math.min(t0 + QT, e);
            int plane = h * n * hd;
            float[][] scores = new float[t1 - t0][e - s];
            scores(qh, kh, plane, hd, t0, t1, s, e, scale, scores);
            for (float[] row : scores) Ops.softmax(row, 0, row.length);
            weightedValues(vh, plane, hd, s, e, scores, out, t0, width, h * hd);
        });
    }

    /** scores[i][j − s] = (q_{t0+i} · k_j) · scale for j in [s, e). */
    private static void scores(float[] qh, float[] kh, int plane, int hd, int t0, int t1, int s, int e, float scale, float[][] scores) {
        int m = t1 - t0;
        int bound = F.loopBound(hd), lanes = F.length();
        for (int j = s; j < e; j++) {
            int ko = plane + j * hd;
            for (int i = 0; i < m; i++) {
                int qo = plane + (t0 + i) * hd;
                FloatVector acc = FloatVector.zero(F);
                int c = 0;
                for (; c < bound; c += lanes)
                    acc = FloatVector.fromArray(F, qh, qo + c).fma(FloatVector.fromArray(F, kh, ko + c), acc);
                float sum = acc.reduceLanes(VectorOperators.ADD);
                for (; c < hd; c++) sum += qh[qo + c] * kh[ko + c];
                scores[i][j - s] = sum * scale;
            }
        }
    }

    /** out[(t0+i), hOff ..] = Σ_j scores[i][j − s] · v_j, each value chunk loaded once for the whole tile. */
    private static void weightedValues(float[] vh, int plane, int hd, int s, int e, float[][] scores, float[] out, int t0, int width, int hOff) {
        int m = scores.length, bound = F.loopBound(hd), lanes = F.length();
        int c = 0;
        for (; c < bound; c += lanes) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int j = s; j < e; j++) {
                FloatVector vv = FloatVector.fromArray(F, vh, plane + j * hd + c);
                int jj = j - s;
                a0 = vv.fma(FloatVector.broadcast(F, scores[0][jj]), a0);
                if (m > 1) a1 = vv.fma(FloatVector.broadcast(F, scores[1][jj]), a1);
                if (m > 2) a2 = vv.fma(FloatVector.broadcast(F, scores[2][jj]), a2);
                if (m > 3) a3 = vv.fma(FloatVector.broadcast(F, scores[3][jj]), a3);
            }
            a0.intoArray(out, t0 * width + hOff + c);
            if (m > 1) a1.intoArray(out, (t0 + 1) * width + hOff + c);
            if (m > 2) a2.intoArray(out, (t0 + 2) * width + hOff + c);
            if (m > 3) a3.intoArray(out, (t0 + 3) * width + hOff + c);
        }
        for (; c < hd; c++) {
            for (int i = 0; i < m; i++) {
                float sum = 0;
                for (int j = s; j < e; j++) sum += scores[i][j - s] * vh[plane + j * hd + c];
                out[(t0 + i) * width + hOff + c] = sum;
            }
        }
    }

    /** (N, nHeads·hd) → (nHeads, N, hd). */
    private static float[] toHeadPlanes(float[] x, int n, int nHeads, int hd) {
        float[] planes = new float[x.length];
        for (int t = 0; t < n; t++)
            for (int h = 0; h < nHeads; h++) System.arraycopy(x, (t * nHeads + h) * hd, planes, (h * n + t) * hd, hd);
        return planes;
    }

    /** First token of each tile of up to QT queries inside one image. */
    private static int[] tiles(int[] segments) {
        int count = 0;
        for (int i = 0; i + 1 < segments.length; i++) count += Math.ceilDiv(segments[i + 1] - segments[i], QT);
        int[] starts = new int[count];
        int c = 0;
        for (int i = 0; i + 1 < segments.length; i++)
            for (int t = segments[i]; t < segments[i + 1]; t += QT) starts[c++] = t;
        return starts;
    }

    private static int segmentOf(int[] segments, int t) {
        int i = 0;
        while (segments[i + 1] <= t) i++;
        return i;
    }

    /** The plain version: per token and head, scores over its own image, softmax, weighted sum of values. */
    static void reference(float[] q, float[] k, float[] v, int nHeads, int hd, int[] segments, float[] out) {
        int width = nHeads * hd;
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (int seg = 0; seg + 1 < segments.length; seg++) {
            int s = segments[seg], e = segments[seg + 1];
            for (int t = s; t < e; t++) {
                for (int h = 0; h < nHeads; h++) {
                    float[] sc = new float[e - s];
                    for (int j = s; j < e; j++) {
                        float dot = 0;
                        for (int c = 0; c < hd; c++) dot += q[t * width + h * hd + c] * k[j * width + h * hd + c];
                        sc[j - s] = dot * scale;
                    }
                    Ops.softmax(sc, 0, sc.length);
                    for (int c = 0; c < hd; c++) {
                        float sum = 0;
                        for (int j = s; j < e; j++) sum += sc[j - s] * v[j * width + h * hd + c];
                        out[t * width + h * hd + c] = sum;
                    }
                }
            }
        }
    }
}
