package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/** A sum returned as it is, in another class: called, not inlined (see {@link Sums#returnedThroughHelper}). */
public final class SumsElsewhere {
    private SumsElsewhere() {}

    @Differentiable
    public static double returnedAsIs(double[] x, double[] y, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - c * y[i];
            if (d > 0) s += d * d;
            else s -= Math.expm1(d);
        }
        return s;
    }
}
