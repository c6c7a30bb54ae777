package org.grad4j.samples.support;

import java.util.Locale;
import org.grad4j.AD;
import org.grad4j.VectorFunction;

/**
 * What a careful user does before trusting any gradient: compare it with central differences
 * {@code (f(x + h e_i) - f(x - h e_i)) / 2h} computed by calling the plain method.
 */
public final class GradientCheck {
    private GradientCheck() {}

    /**
     * Prints grad4j's gradient beside central differences and returns the largest error,
     * relative to {@code max(1, |component|)}.
     */
    public static double compare(String what, VectorFunction f, double[] x) {
        double[] g = AD.gradient(f, x);
        double worst = 0;
        System.out.printf(Locale.ROOT, "gradient check of %s at %d parameters:%n", what, x.length);
        System.out.printf(Locale.ROOT, "  %4s %16s %16s %10s%n", "i", "grad4j", "central diff.", "rel. error");
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6 * Math.max(1, Math.abs(x[i]));
            double[] xp = x.clone();
            double[] xm = x.clone();
            xp[i] += h;
            xm[i] -= h;
            double fd = (f.apply(xp) - f.apply(xm)) / (2 * h);
            double err = Math.abs(g[i] - fd) / Math.max(1, Math.abs(fd));
            worst = Math.max(worst, err);
            if (i < 12 || i == x.length - 1) {
                System.out.printf(Locale.ROOT, "  %4d %16.9e %16.9e %10.2e%n", i, g[i], fd, err);
            } else if (i == 12) {
                System.out.println("   ...");
            }
        }
        System.out.printf(Locale.ROOT, "  largest relative error %.2e%n%n", worst);
        return worst;
    }
}
