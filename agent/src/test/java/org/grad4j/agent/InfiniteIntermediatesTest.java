package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.grad4j.AD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Values infinite at the point (an overflowing {@code exp}, a division by zero) that the result
 * does not depend on there leave the gradient finite: 0 × ∞ would make it NaN. Either the value
 * reaches the result only through a comparison or a cast to int, and no adjoint code runs for it,
 * or its path is not taken ({@code isFinite(v) ? v : x}, {@code Math.min(1, v)}), and a zero
 * adjoint contributes exactly zero through it. Checked against analytic gradients.
 */
class InfiniteIntermediatesTest {

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
        assertArrayEquals(new double[] {w[1], w[0]}, AD.gradient(InfiniteIntermediatesTest::signOfQuotient, w), 0);
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
        assertArrayEquals(new double[] {2 * w[0], 3}, AD.gradient(InfiniteIntermediatesTest::nearlyEqual, w), 0);
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
        double[] g = AD.gradient(InfiniteIntermediatesTest::overflowGuard, w);
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
        assertArrayEquals(new double[] {0, 0, 2 * w[2]}, AD.gradient(InfiniteIntermediatesTest::bucketed, w), 0);
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
        double[] g = AD.gradient(InfiniteIntermediatesTest::newtonSqrt, w);
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
        assertArrayEquals(expected, AD.gradient(InfiniteIntermediatesTest::comparedAndUsed, w), 0);
    }
    /** An overflow guard that falls back to another value: the branch not taken holds exp(x) = ∞. */
    static double expOrFallback(double x) {
        double v = Math.exp(x);
        return Double.isFinite(v) ? v : x;
    }

    /** The same through a division: 1 / (x - 1) is ∞ at x = 1. */
    static double reciprocalOrFallback(double x) {
        double v = x / (x - 1);
        return Double.isFinite(v) ? v : 2 * x;
    }

    @Test
    void anInfiniteValueOnTheBranchNotTakenAddsNothing() {
        assertEquals(1, AD.derivative(InfiniteIntermediatesTest::expOrFallback, 800), 0);
        assertEquals(Math.exp(3), AD.derivative(InfiniteIntermediatesTest::expOrFallback, 3), 1e-12);
        assertEquals(2, AD.derivative(InfiniteIntermediatesTest::reciprocalOrFallback, 1), 0);
    }

    @Test
    void anInfiniteArgumentThatMinAndMaxDoNotSelect() {
        assertEquals(0, AD.derivative(x -> Math.min(1.0, Math.exp(x)), 800), 0);
        assertEquals(0, AD.derivative(x -> Math.max(-1.0, -1 / (x - 1)), 1), 0);
    }

    /** The logistic function written naively: exp(-x) overflows for x far below zero, where the derivative is 0. */
    @Test
    void aNaiveLogisticFarInItsTail() {
        assertEquals(0, AD.derivative(x -> 1 / (1 + Math.exp(-x)), -800), 0);
        double x = -3;
        double s = 1 / (1 + Math.exp(-x));
        assertEquals(s * (1 - s), AD.derivative(v -> 1 / (1 + Math.exp(-v)), x), 1e-15);
    }

    /** A series that skips terms which overflow: the skipped terms' adjoints are zero. */
    static double seriesSkippingInfinities(double[] w) {
        double s = 0;
        for (int k = 1; k <= 4; k++) {
            double t = Math.exp(k * 250 * w[0]) * w[1];
            if (Double.isInfinite(t)) continue;
            s += t;
        }
        return s;
    }

    @Test
    void aSeriesThatSkipsInfiniteTerms() {
        double[] w = {1.0, 2.0}; // terms k = 1, 2 are finite (e^250, e^500); k = 3, 4 overflow
        double[] expected = {250 * Math.exp(250) * w[1] + 500 * Math.exp(500) * w[1], Math.exp(250) + Math.exp(500)};
        double[] g = AD.gradient(InfiniteIntermediatesTest::seriesSkippingInfinities, w);
        assertEquals(expected[0], g[0], 1e-12 * expected[0]);
        assertEquals(expected[1], g[1], 1e-12 * expected[1]);
    }
}
