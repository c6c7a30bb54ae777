package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/**
 * Loop helpers in a class of their own that read one of its private fields, so never inlined
 * into the {@link Loops} that call them (code generated for another class cannot reach that
 * field): their taped nests run in a generated function whose caller goes on after it returns.
 */
public final class LoopHelpers {
    private LoopHelpers() {}

    private static int first = 0;

    @Differentiable
    static double weightedCubes(double[] w, double[] x) {
        double s = 0;
        for (int i = first; i < x.length; i++) s += w[i] * x[i] * x[i] * x[i];
        return s;
    }

    @Differentiable
    static double[] same(double[] x) {
        return x;
    }
}
