package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.grad4j.AD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Differentiable values that reach the result only through a comparison or a cast to int: their
 * adjoint is zero, and no adjoint code may run for them, since at the point they may be infinite
 * (a guard against overflow, a relative change divided by a previous value of zero), where
 * 0 × ∞ would make the gradient NaN. Checked against analytic gradients.
 */
class ValuesOnlyComparedTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    /** An infinite quotient only tested for its sign. */
    static double signOfQuotient(double[] w) {
        double q = w[0] / 0.0;
        return w[0] * w[1] + (q > 0 ? 1 : 0);
    }

    @Test
    void aQuotientOnlyComparedLeavesTheGradientFinite() {
        double[] w = {1.5, -0.25};
        assertArrayEquals(new double[] {w[1], w[0]}, AD.gradient(ValuesOnlyComparedTest::signOfQuotient, w), 0);
    }

    /** A reciprocal of a difference used only to pick a branch, evaluated where the difference is zero. */
    static double nearlyEqual(double[] w) {
        double inv = 1 / (w[0] - w[1]);
        double s = w[0] * w[0];
        if (Math.abs(inv) > 1e6) s += 3 * w[1];
        return s;
    }

    @Test
    void aReciprocalUsedOnlyInABranchAtItsPole() {
        double[] w = {0.75, 0.75};
        assertArrayEquals(new double[] {2 * w[0], 3}, AD.gradient(ValuesOnlyComparedTest::nearlyEqual, w), 0);
    }

    /** A guard against overflow: exp(1000 w) is infinite, and only compared. */
    static double overflowGuard(double[] w) {
        double big = Math.exp(1000 * w[0]);
        double y = Math.sin(w[0]) * w[1];
        return big > 1e300 ? y : 2 * y;
    }

    @Test
    void anOverflowGuardAddsNothing() {
        double[] w = {2.0, 1.25};
        double[] g = AD.gradient(ValuesOnlyComparedTest::overflowGuard, w);
        assertArrayEquals(new double[] {Math.cos(w[0]) * w[1], Math.sin(w[0])}, g, 1e-15);
    }

    /** An infinite value cast to int chooses an index. */
    static double bucketed(double[] w) {
        int k = (int) (1 / (w[0] - w[1]));
        int i = Math.min(Math.max(k, 0), 2);
        return w[i] * w[2];
    }

    @Test
    void anInfiniteValueCastToAnIndex() {
        double[] w = {0.5, 0.5, 4.0};
        // k is Integer.MAX_VALUE, so i = 2: the result is w2²
        assertArrayEquals(new double[] {0, 0, 2 * w[2]}, AD.gradient(ValuesOnlyComparedTest::bucketed, w), 0);
    }

    /**
     * Newton's iteration for a square root, stopped on the relative change against the iterate
     * before; that iterate starts at zero, so the first change is infinite. The change and the
     * iterate before are carried around the loop and only compared.
     */
    static double newtonSqrt(double[] w) {
        double a = w[0];
        double prev = 0;
        double x = a;
        for (int it = 0; it < 100; it++) {
            double next = 0.5 * (x + a / x);
            double rel = Math.abs(next - prev) / Math.abs(prev);
            prev = x;
            x = next;
            if (rel < 1e-15) break;
        }
        return x * w[1];
    }

    @Test
    void aRelativeChangeAgainstAnIterateStartingAtZero() {
        double[] w = {2.0, 3.0};
        double[] g = AD.gradient(ValuesOnlyComparedTest::newtonSqrt, w);
        assertEquals(w[1] / (2 * Math.sqrt(w[0])), g[0], 1e-12);
        assertEquals(Math.sqrt(w[0]), g[1], 1e-12);
    }

    /** The same value both compared and used: its adjoint still flows where it is used. */
    static double comparedAndUsed(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            double t = w[i] * w[i];
            if (t > 1) s += t;
            else s -= w[i];
        }
        return s;
    }

    @Test
    void aValueComparedAndUsedKeepsItsAdjoint() {
        double[] w = {0.5, 2.0, -3.0, 0.1};
        double[] expected = new double[w.length];
        for (int i = 0; i < w.length; i++) expected[i] = w[i] * w[i] > 1 ? 2 * w[i] : -1;
        assertArrayEquals(expected, AD.gradient(ValuesOnlyComparedTest::comparedAndUsed, w), 0);
    }
}
