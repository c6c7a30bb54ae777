package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/**
 * Arrays allocated in differentiated code that leave it by a side door — inside another array, back
 * out of a lambda, as the shared rows of a copy — and helpers that look like readers but are not:
 * each was once judged settled, data-only or read-only, and gave a wrong gradient.
 */
public final class Escapes {
    private Escapes() {}

    /** Read in a loop, then handed on inside a matrix to a helper (of another class: called, not inlined) that zeroes it. */
    @Differentiable
    public static double handedOnInAContainer(double[] x) {
        double[] t = new double[x.length];
        for (int i = 0; i < x.length; i++) t[i] = x[i];
        double s = 0;
        for (int i = 0; i < x.length; i++) s += t[i] * t[i];
        double[][] m = new double[1][];
        m[0] = t;
        EscapeHelpers.zeroFirstRow(m);
        return s + m[0][0] * x[0];
    }

    interface Source {
        double[] get(double v);
    }

    /** A lambda hands back the array it captured, which is then written with a differentiable value. */
    @Differentiable
    public static double handedBackByALambda(double[] x) {
        double[] t = new double[1];
        Source s = v -> t;
        double[] u = s.get(x[0]);
        u[0] = x[0] * x[0];
        return x[0] + t[0] * x[1];
    }

    static Source lastSource;

    @Differentiable
    public static double handedBackByALambdaThatLeaves(double[] x) {
        double[] t = new double[1];
        Source s = v -> t;
        lastSource = s;
        double[] u = s.get(x[0]);
        u[0] = x[0] * x[0];
        return x[0] + t[0] * x[1];
    }

    /** A copy of a matrix shares its rows: a value written through the copy is in the original. */
    @Differentiable
    public static double rowsSharedByACopy(double[] x) {
        double[][] m = new double[2][2];
        double[][] p = {x};
        double[][] c = x.length > 50 ? p : m.clone();
        c[0][0] = x[0];
        return m[0][0] * x[1] + x[1];
    }

    static double best;

    /** An index helper that also keeps the largest value in a field. */
    static int argmaxKeepingBest(double[] w) {
        int k = 0;
        for (int i = 1; i < w.length; i++) if (w[i] > w[k]) k = i;
        best = w[k];
        return k;
    }

    @Differentiable
    public static double keepsAValueInAField(double[] x) {
        int k = argmaxKeepingBest(x);
        return best * best + x[(k + 1) % x.length];
    }

    /** Looks as if it wrote only an array of its own: the parameter is replaced on one path only. */
    static int pick(double[] w, int k) {
        if (k > 0) w = new double[3];
        w[0] = 0;
        return 1;
    }

    @Differentiable
    public static double reassignsItsParameter(double[] x) {
        double[] y = x.clone();
        int k = pick(y, 0);
        double s = 0;
        for (double v : y) s += 3 * v;
        return s + k;
    }
}

final class EscapeHelpers {
    private EscapeHelpers() {}

    static void zeroFirstRow(double[][] m) {
        for (int i = 0; i < m[0].length; i++) m[0][i] = 0;
    }
}
