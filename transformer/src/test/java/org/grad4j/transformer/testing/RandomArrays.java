package org.grad4j.transformer.testing;

import java.util.Random;

/** Random points for gradient checks: entries uniform in [-1, 1). */
public final class RandomArrays {
    private RandomArrays() {}

    public static double[] uniform(Random random, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = random.nextDouble() * 2 - 1;
        return x;
    }
}
