package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/** Array code the way numerical Java is written: in-place updates, local arrays, 2-D arrays. */
public final class ArrayCode {
    private ArrayCode() {}

    @Differentiable
    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Differentiable
    public static double matVecNorm(double[][] m, double[] v) {
        double[] y = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < v.length; j++) y[i] += m[i][j] * v[j];
        }
        double s = 0;
        for (double yi : y) s += yi * yi;
        return Math.sqrt(s);
    }

    @Differentiable
    public static double prefixSumsInPlace(double[] x) {
        for (int i = 1; i < x.length; i++) x[i] += x[i - 1] * 0.5;
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.sin(x[i]) * (i + 1);
        return s;
    }

    @Differentiable
    public static double bubbleSortWeighted(double[] in) {
        double[] a = new double[in.length];
        for (int i = 0; i < in.length; i++) a[i] = in[i];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j + 1 < a.length - i; j++) {
                if (a[j] > a[j + 1]) {
                    double t = a[j];
                    a[j] = a[j + 1];
                    a[j + 1] = t;
                }
            }
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * (i + 1);
        return s;
    }

    @Differentiable
    public static double scaleInPlace(double[] x, double k) {
        for (int i = 0; i < x.length; i++) x[i] *= k;
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * x[i];
        return s;
    }

    @Differentiable
    public static double heat(double[] u0, double alpha, int steps) {
        double[] u = new double[u0.length];
        double[] next = new double[u0.length];
        for (int i = 0; i < u.length; i++) u[i] = u0[i];
        for (int t = 0; t < steps; t++) {
            for (int i = 1; i + 1 < u.length; i++) next[i] = u[i] + alpha * (u[i - 1] - 2 * u[i] + u[i + 1]);
            next[0] = u[0];
            next[u.length - 1] = u[u.length - 1];
            double[] swap = u;
            u = next;
            next = swap;
        }
        double s = 0;
        for (int i = 0; i < u.length; i++) s += u[i] * u[i] * (i + 1);
        return s;
    }

    @Differentiable
    public static double rowsInLocals(double[][] m) {
        double s = 0;
        for (double[] row : m) {
            row[0] = row[0] * row[1];
            s += row[0];
        }
        double[][] fresh = new double[2][3];
        fresh[1][2] = s * s;
        fresh[0] = m[0];
        return fresh[1][2] + fresh[0][0];
    }

    @Differentiable
    public static double gmmLogLikelihood(double[][] x, double[] weights, double[][] means, double[] logSigma) {
        int k = means.length;
        int d = means[0].length;
        double total = 0;
        double[] logp = new double[k];
        for (double[] xi : x) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double sq = 0;
                for (int j = 0; j < d; j++) {
                    double z = (xi[j] - means[c][j]) * Math.exp(-logSigma[c]);
                    sq += z * z;
                }
                logp[c] = weights[c] - 0.5 * sq - d * logSigma[c];
                if (logp[c] > max) max = logp[c];
            }
            double sum = 0;
            for (int c = 0; c < k; c++) sum += Math.exp(logp[c] - max);
            total += max + Math.log(sum);
        }
        double norm = 0;
        for (double w : weights) norm += Math.exp(w);
        return total - x.length * Math.log(norm);
    }

    @Differentiable
    public static double copies(double[] x, double v) {
        double[] c = x.clone();
        double[] head = java.util.Arrays.copyOf(x, 3);
        double[] mid = java.util.Arrays.copyOfRange(x, 1, 4);
        double[] work = new double[x.length + 2];
        System.arraycopy(x, 0, work, 1, x.length);
        System.arraycopy(work, 0, work, 2, 4); // overlapping, within one array
        java.util.Arrays.fill(c, 0, 2, v * v);
        double s = 0;
        for (int i = 0; i < c.length; i++) s += c[i] * (i + 1);
        for (int i = 0; i < head.length; i++) s += head[i] * head[i];
        for (int i = 0; i < mid.length; i++) s += Math.sin(mid[i]);
        for (int i = 0; i < work.length; i++) s += work[i] * (work.length - i);
        double[] filled = new double[3];
        java.util.Arrays.fill(filled, v);
        return s + filled[0] * filled[2];
    }

    /**
     * A jagged matrix grown by a row with the generic {@code Arrays.copyOf} (rows shared with the
     * original, as clone() shares them), its rows from the second taken with {@code copyOfRange}, and piecewise-linear interpolation whose trainable knots
     * are searched with {@code Arrays.binarySearch}.
     */
    @Differentiable
    public static double grownRowsAndKnots(double[][] m, double[] knots, double q) {
        double[][] rows = java.util.Arrays.copyOf(m, m.length + 1);
        rows[m.length] = new double[] {rows[0][0] * rows[1][1], q};
        rows[0][1] = rows[0][1] * 2; // also m[0][1]: the row is shared
        double s = 0;
        for (double[] r : rows) for (double v : r) s += v * v;
        double[] shorter = java.util.Arrays.copyOf(m, 1)[0];
        s += shorter[0] * m[0][1];
        double[][] tail = java.util.Arrays.copyOfRange(m, 1, m.length + 1); // rows from the second, shared; the last null
        tail[0][0] *= 3; // also m[1][0]
        s += tail[0][0] * tail[0][1] + (tail[tail.length - 1] == null ? 1 : 0);
        int i = java.util.Arrays.binarySearch(knots, q);
        if (i < 0) i = -i - 2;
        i = Math.max(0, Math.min(knots.length - 2, i));
        double t = (q - knots[i]) / (knots[i + 1] - knots[i]);
        return s + (1 - t) * i + t * (i + 1) * (i + 1);
    }

    @Differentiable
    public static double[] scaled(double[] x, double k) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) r[i] = x[i] * k + Math.sin(x[i]);
        return r;
    }

    @Differentiable
    public static void addSquaresInPlace(double[] a, double v) {
        for (int i = 0; i < a.length; i++) a[i] += v * v * (i + 1);
    }

    @Differentiable
    public static double usesArrayHelpers(double[] x, double k) {
        double[] y = scaled(x, k);
        y[0] += x[1] * k;
        addSquaresInPlace(y, k);
        double s = 0;
        for (int i = 0; i < y.length; i++) s += y[i] * y[i];
        return s + dot(x, x) + dot(y, x);
    }

    @Differentiable
    public static double returnsItsArgument(double[] x) {
        double[] same = identity(x);
        same[0] = same[0] * 3;
        return x[0] + same[1];
    }

    @Differentiable
    public static double[] identity(double[] a) {
        return a;
    }
}
