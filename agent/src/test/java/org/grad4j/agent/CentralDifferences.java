package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.grad4j.AD;
import org.grad4j.VectorFunction;

/** The gradient grad4j gives, checked against central differences of the plain function. */
final class CentralDifferences {
    private CentralDifferences() {}

    static void check(VectorFunction f, double... x) {
        double[] g = AD.gradient(f, x.clone());
        for (int i = 0; i < x.length; i++) {
            double h = 1e-6;
            double[] p = x.clone(), m = x.clone();
            p[i] += h;
            m[i] -= h;
            double expected = (f.apply(p) - f.apply(m)) / (2 * h);
            assertEquals(expected, g[i], 1e-7 * Math.max(1, Math.abs(expected)), "d/dx" + i);
        }
    }
}
