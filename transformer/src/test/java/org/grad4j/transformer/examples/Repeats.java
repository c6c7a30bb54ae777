package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/** Expressions that compute the same value twice: subjects for value numbering. */
public final class Repeats {
    private Repeats() {}

    /** x[i] three times, 2 * i + 1 twice: one load of x[i] and one index computation remain. */
    @Differentiable
    public static double reloads(double[] x, int i) {
        return x[i] * x[i] + x[2 * i + 1] * x[i] - x[2 * i + 1];
    }

    /** A store between two loads of the same element: the second load must see it. */
    @Differentiable
    public static double storeBetween(double[] x, int i) {
        double a = x[i];
        x[i] = a * a;
        return x[i] * a;
    }

    /** A call between two loads: the callee may write the array. */
    @Differentiable
    public static double callBetween(double[] x, int i) {
        double a = x[i];
        square(x, i);
        return x[i] + a;
    }

    static void square(double[] x, int i) {
        x[i] = x[i] * x[i];
    }
}
