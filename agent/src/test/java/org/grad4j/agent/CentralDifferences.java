package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.DoubleSupplier;
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

    /**
     * The gradient of a model's array parameter {@code w}, {@code path} in {@code g}, against
     * central differences of {@code loss}, which reads {@code w} as each element is moved.
     */
    static void checkParameter(org.grad4j.ParameterGradients g, String path, double[] w, DoubleSupplier loss) {
        double h = 1e-6;
        for (int i = 0; i < w.length; i++) {
            double keep = w[i];
            w[i] = keep + h;
            double up = loss.getAsDouble();
            w[i] = keep - h;
            double down = loss.getAsDouble();
            w[i] = keep;
            double expected = (up - down) / (2 * h);
            assertEquals(expected, g.getArray(path)[i], 1e-7 * Math.max(1, Math.abs(expected)), path + "[" + i + "]");
        }
    }
}
