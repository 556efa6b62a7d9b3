package io.sirocco.model;

import io.sirocco.tensor.kernel.FloatLanes;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-head products of absorbed MLA on float arrays (the latent up-projections are widened at load): the query
 * taken into latent space, qc = W_uk[h]ᵀ q_nope, and the values out of it, out = W_uv[h] · ctx. Vector API versions
 * with plain scalar references of the same arithmetic (see MlaKernelsTest).
 */
final class MlaKernels {
    private MlaKernels() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * qc[qcOff + j] = scale · Σ_n q[qOff + n] · wUk[wOff + n·lat + j] for j < lat (wUk[h] is (nope, lat), rows contiguous):
     * one axpy per nope lane, all along the contiguous latent dimension.
     */
    static void absorbQuery(float[] wUk, int wOff, float[] q, int qOff, int nope, int lat, float scale, float[] qc, int qcOff) {
        int bound = F.loopBound(lat);
        java.util.Arrays.fill(qc, qcOff, qcOff + lat, 0f);
        for (int n = 0; n < nope; n++) {
            float qn = q[qOff + n];
            FloatVector a = FloatVector.broadcast(F, qn);
            int row = wOff + n * lat, j = 0;
            for (; j < bound; j += F.length()) {
                FloatVector.fromArray(F, wUk, row + j).fma(a, FloatVector.fromArray(F, qc, qcOff + j)).intoArray(qc, qcOff + j);
            }
            for (; j < lat; j++) qc[qcOff + j] = Math.fma(wUk[row + j], qn, qc[qcOff + j]);
        }
        for (int j = 0; j < lat; j++) qc[qcOff + j] *= scale;
    }

    static void absorbQueryScalar(float[] wUk, int wOff, float[] q, int qOff, int nope, int lat, float scale, float[] qc, int qcOff) {
        for (int j = 0; j < lat; j++) qc[qcOff + j] = 0;
        for (int n = 0; n < nope; n++)
            for (int j = 0; j < lat; j++) qc[qcOff + j] += q[qOff + n] * wUk[wOff + n * lat + j];
        for (int j = 0; j < lat; j++) qc[qcOff + j] *= scale;
    }

    /** out[outOff + v] = Σ_j wUv[wOff + v·lat + j] · ctx[j] for v < vd (wUv[h] is (vd, lat)). */
    static void projectValues(float[] wUv, int wOff, float[] ctx, int vd, int lat, float[] out, int outOff) {
        int bound = F.loopBound(lat);
        for (int v = 0; v < vd; v++) {
            int row = wOff + v * lat, j = 0;
            FloatVector acc = FloatVector.zero(F);
            for (; j < bound; j += F.length()) acc = FloatVector.fromArray(F, wUv, row + j).fma(FloatVector.fromArray(F, ctx, j), acc);
            float sum = FloatLanes.sum(acc);
            for (; j < lat; j++) sum += wUv[row + j] * ctx[j];
            out[outOff + v] = sum;
        }
    }

    static void projectValuesScalar(float[] wUv, int wOff, float[] ctx, int vd, int lat, float[] out, int outOff) {
        for (int v = 0; v < vd; v++) {
            float sum = 0;
            for (int j = 0; j < lat; j++) sum += wUv[wOff + v * lat + j] * ctx[j];
            out[outOff + v] = sum;
        }
    }
}
