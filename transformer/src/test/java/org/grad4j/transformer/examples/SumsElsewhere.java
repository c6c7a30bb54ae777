package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/**
 * A sum returned as it is, over two arrays and a scalar, in a class of its own: where a gradient
 * starts in it, its adjoint is the seed and the iterations add to the shadows themselves; called
 * from {@link Sums#returnedThroughHelper}, it is not inlined (it reads a private field of its
 * class, which code generated for another class cannot reach), and its result's adjoint is 3.
 */
public final class SumsElsewhere {
    private SumsElsewhere() {}

    @Differentiable
    public static double returnedAsIs(double[] x, double[] y, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - c * y[i];
            if (d > threshold) s += d * d;
            else s -= Math.expm1(d);
        }
        return s;
    }

    private static double threshold = 0;
}
