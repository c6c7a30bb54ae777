package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/**
 * Helpers that take differentiable arrays and return an index, a flag, indices or a string: they
 * only read the arrays, so they run as written and their results are plain data.
 */
public final class ArrayReading {
    private ArrayReading() {}

    static int argmax(double[] w) {
        int best = 0;
        for (int i = 1; i < w.length; i++) if (w[i] > w[best]) best = i;
        return best;
    }

    static boolean allFinite(double[] w) {
        for (double v : w) if (!Double.isFinite(v)) return false;
        return true;
    }

    static void check(double[] w) {
        if (!allFinite(w)) throw new IllegalStateException("non-finite weight in " + describe(w));
    }

    static String describe(double[] w) {
        StringBuilder b = new StringBuilder();
        for (double v : w) b.append(v).append(' ');
        return b.toString();
    }

    /** Systematic resampling: the indices are a new array it fills; the weights' sum goes through a scratch copy it sorts. */
    static int[] resample(double[] weights, double u) {
        double[] sorted = weights.clone();
        java.util.Arrays.sort(sorted);
        double total = 0;
        for (double v : sorted) total += Math.abs(v);
        int[] picked = new int[weights.length];
        double step = total / weights.length, edge = u * step, cumulative = Math.abs(weights[0]);
        int j = 0;
        for (int i = 0; i < picked.length; i++) {
            while (edge > cumulative && j < weights.length - 1) cumulative += Math.abs(weights[++j]);
            picked[i] = j;
            edge += step;
        }
        return picked;
    }

    @Differentiable
    public static double largestTimesFirst(double[] v) {
        check(v);
        return v[argmax(v)] * v[0] + (allFinite(v) ? v[1] : 0);
    }

    @Differentiable
    public static double resampled(double[] v, double u) {
        int[] idx = resample(v, u);
        double s = 0;
        for (int i = 0; i < idx.length; i++) s += v[idx[i]] * v[idx[i]] * (i + 1);
        return s + describe(v).length() * 0.0;
    }

    /** Returns an int but writes the array: it cannot run as written, and cannot be differentiated either. */
    static int clampInPlace(double[] w, double limit) {
        int clamped = 0;
        double[] alias = w;
        for (int i = 0; i < alias.length; i++) {
            if (alias[i] > limit) {
                alias[i] = limit;
                clamped++;
            }
        }
        return clamped;
    }

    @Differentiable
    public static double clamping(double[] v) {
        return clampInPlace(v, 0.5) + v[0] * v[1];
    }

    static int zeroed(double[] w) {
        java.util.Arrays.fill(w, 0);
        return w.length;
    }

    @Differentiable
    public static double zeroing(double[] v) {
        return v[0] * zeroed(v);
    }

    /** An immutable vector as a Commons-style factory builds one: an object holding the array. */
    static final class Vec {
        final double[] values;

        private Vec(double[] values) {
            this.values = values;
        }

        static Vec of(double[] values) {
            return new Vec(values.clone());
        }
    }

    @Differentiable
    public static double wrapping(double[] v) {
        return Vec.of(v).values[0] * v[1];
    }

    static final int[] HISTOGRAM = new int[16];

    /** An index helper that also counts its answers in a static histogram: an int[] carries no derivative. */
    static int argmaxCounted(double[] w) {
        int best = argmax(w);
        HISTOGRAM[best % HISTOGRAM.length]++;
        return best;
    }

    @Differentiable
    public static double counted(double[] v) {
        return v[argmaxCounted(v)] * v[0];
    }

    /** The usual way to get an order: sort indices of a copy with a comparator lambda. */
    static int[] order(double[] w) {
        double[] copy = w.clone();
        Integer[] idx = new Integer[w.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (p, q) -> Double.compare(copy[p], copy[q]));
        int[] r = new int[idx.length];
        for (int i = 0; i < r.length; i++) r[i] = idx[i];
        return r;
    }

    @Differentiable
    public static double ordered(double[] v) {
        int[] o = order(v);
        return 3 * v[o[0]] + v[o[o.length - 1]] * v[o[o.length - 1]];
    }

    /** The program's own exception, made from numbers: its constructor sets its fields and calls its super's. */
    static final class DimensionMismatch extends IllegalArgumentException {
        final int expected;
        final double worst;

        DimensionMismatch(int expected, int actual, double worst) {
            super("expected " + expected + " values, got " + actual + " (largest " + worst + ")");
            this.expected = expected;
            this.worst = worst;
        }
    }

    /** A length check that throws it, as Commons Math's MathArrays.checkEqualLength does. */
    static boolean sameLength(double[] a, double[] b) {
        if (a.length != b.length) throw new DimensionMismatch(a.length, b.length, a[argmax(a)]);
        return true;
    }

    @Differentiable
    public static double checkedDot(double[] v) {
        double[] u = new double[v.length];
        for (int i = 0; i < u.length; i++) u[i] = v[u.length - 1 - i];
        sameLength(v, u);
        double s = 0;
        for (int i = 0; i < v.length; i++) s += v[i] * u[i];
        return s;
    }

    /** A null check declared on Object, as libraries write them (Commons Math's MathUtils.checkNotNull). */
    static void checkNotNull(Object o) {
        if (o == null) throw new NullPointerException("null argument");
    }

    /** Commons Math's PolynomialFunction(double[]): the constructor checks its argument, then copies it. */
    static final class Polynomial {
        private final double[] c;

        Polynomial(double[] c) {
            checkNotNull(c);
            this.c = new double[c.length];
            System.arraycopy(c, 0, this.c, 0, c.length);
        }

        double value(double x) {
            double s = 0;
            for (int i = c.length - 1; i >= 0; i--) s = s * x + c[i];
            return s;
        }
    }

    @Differentiable
    public static double polynomial(double[] v) {
        return new Polynomial(new double[] {v[0], v[1], v[2]}).value(v[3]);
    }
}
