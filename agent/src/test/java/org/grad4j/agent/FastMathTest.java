package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.apache.commons.math3.util.FastMath;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Commons Math's {@code FastMath}, which numerical Java code uses in place of {@code Math}: its
 * functions run by grad4j's built-in rules (the generated code, in the program's package, calls
 * them), checked against central differences at random points.
 */
class FastMathTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    @Differentiable
    static double integerPowers(double[] x) {
        return FastMath.pow(x[0], 2) + FastMath.pow(x[1], 3L) - FastMath.pow(x[0] * x[1], -2) + FastMath.pow(x[1], 0);
    }

    @Differentiable
    static double elementary(double[] x) {
        return FastMath.sin(x[0]) * FastMath.exp(x[1]) + FastMath.log(1 + x[0] * x[0]) + FastMath.sqrt(2 + x[1] * x[1])
                + FastMath.pow(1.5 + x[0] * x[0], x[1]) + FastMath.atan2(x[1], 1 + x[0] * x[0]);
    }

    @Differentiable
    static double hyperbolicAndFriends(double[] x) {
        return FastMath.tanh(x[0]) + FastMath.cosh(x[1]) + FastMath.cbrt(3 + x[0]) + FastMath.expm1(x[1])
                + FastMath.log1p(x[0] * x[0]) + FastMath.hypot(x[0], x[1]) + FastMath.abs(x[0] - 2);
    }

    /** Rosenbrock as Commons Math code writes it, inside a loop. */
    @Differentiable
    static double rosenbrock(double[] x) {
        double s = 0;
        for (int i = 0; i + 1 < x.length; i++) s += 100 * FastMath.pow(x[i + 1] - FastMath.pow(x[i], 2), 2) + FastMath.pow(1 - x[i], 2);
        return s;
    }

    @Test
    void integerPowersHaveTheirRules() {
        CentralDifferences.check(FastMathTest::integerPowers, 1.3, -0.7);
        double[] g = AD.gradient(FastMathTest::integerPowers, new double[] {1.5, 2});
        assertEquals(2 * 1.5 + 2 * Math.pow(1.5 * 2, -3) * 2, g[0], 1e-12, "d/dx0 by hand");
    }

    @Test
    void elementaryFunctions() {
        Random r = new Random(5);
        for (int k = 0; k < 5; k++) CentralDifferences.check(FastMathTest::elementary, r.nextGaussian(), r.nextGaussian());
    }

    @Test
    void hyperbolicAndOtherFunctions() {
        Random r = new Random(6);
        for (int k = 0; k < 5; k++) CentralDifferences.check(FastMathTest::hyperbolicAndFriends, 0.5 + r.nextDouble(), r.nextGaussian());
    }

    @Test
    void rosenbrockWithIntegerPowers() {
        Random r = new Random(7);
        double[] x = new double[8];
        for (int i = 0; i < x.length; i++) x[i] = 0.5 + 0.5 * r.nextDouble();
        CentralDifferences.check(FastMathTest::rosenbrock, x);
    }
}
