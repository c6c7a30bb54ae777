package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.grad4j.AD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Order statistics written with {@code Arrays.sort}: a median, a trimmed mean, a rank-weighted
 * loss. grad4j reads the sort as a gather by the sort's order, so each element's derivative goes
 * to the element that landed there. Analytic derivatives and central differences.
 */
class SortedArraysTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    @Test
    void aMediansGradientPicksTheMiddleElements() {
        assertArrayEquals(new double[] {0, 0, 1, 0, 0}, AD.gradient(SortedArraysTest::median, new double[] {3, -1, 0.5, 9, 0.2}), 0);
        assertArrayEquals(new double[] {0.5, 0, 0, 0.5}, AD.gradient(SortedArraysTest::median, new double[] {1, -2, 7, 2}), 0);
    }

    /** A float median: the gradient picks the middle element as for doubles. */
    static double floatMedian(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
        Arrays.sort(f);
        return 2 * f[f.length / 2];
    }

    @Test
    void aFloatArraySortsAsADoubleOneDoes() {
        assertArrayEquals(new double[] {0, 0, 2, 0, 0}, AD.gradient(SortedArraysTest::floatMedian, new double[] {3, -1, 0.5, 9, 0.2}), 0);
    }

    /** The mean of the squares of all but the smallest and the largest two. */
    static double trimmedMeanOfSquares(double[] x) {
        double[] s = Arrays.copyOf(x, x.length);
        Arrays.sort(s, 0, s.length);
        double t = 0;
        for (int i = 1; i < s.length - 2; i++) t += s[i] * s[i];
        return t / (s.length - 3);
    }

    @Test
    void aTrimmedMeanDifferentiates() {
        CentralDifferences.check(SortedArraysTest::trimmedMeanOfSquares, 0.3, -1.2, 2.5, 0.7, 1.9, -0.4);
    }

    /** Sorted in place in the method's own array, then weighted by rank (a rank-weighted loss). */
    static double rankWeighted(double[] x) {
        double[] s = new double[x.length];
        for (int i = 0; i < x.length; i++) s[i] = Math.sin(x[i]) * (i + 1);
        Arrays.sort(s);
        double t = 0;
        for (int i = 0; i < s.length; i++) t += (i + 1) * s[i];
        return t;
    }

    @Test
    void anArraySortedInPlaceDifferentiatesAndKeepsItsValue() {
        double[] x = {0.3, -1.2, 2.5, 0.7, 1.9, -0.4};
        CentralDifferences.check(SortedArraysTest::rankWeighted, x);
        assertEquals(rankWeighted(x.clone()), AD.valueAndGradient(SortedArraysTest::rankWeighted, x.clone()).value(), 0);
    }

    /** The indices sorted by a differentiable score (a key capturing the point): the order is data. */
    static double topTwo(double[] p) {
        Integer[] idx = new Integer[p.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, java.util.Comparator.comparingDouble(i -> -p[i] * p[i]));
        return p[idx[0]] * p[idx[0]] + p[idx[1]];
    }

    static double byComparator(double[] p) {
        Integer[] idx = {0, 1, 2, 3};
        Arrays.sort(idx, (a, b) -> Double.compare(p[a], p[b]));
        return 3 * p[idx[3]] + p[idx[0]];
    }

    /** A key that also accumulates what it reads: its sum would lose its derivative inside the JDK's sort. */
    static double keyWithASideEffect(double[] p) {
        double[] seen = new double[1];
        Integer[] idx = {0, 1, 2, 3};
        Arrays.sort(idx, java.util.Comparator.comparingDouble(i -> {
            seen[0] += p[i];
            return p[i];
        }));
        return seen[0] + p[idx[0]];
    }

    @Test
    void comparatorsOverDifferentiableValuesOnlyOrderAndOnesThatWriteAreRefused() {
        double[] x = {0.3, -1.2, 2.5, 0.7};
        // -p² sorts 2.5 first, then -1.2: d/dp of p[2]² + p[1]
        assertArrayEquals(new double[] {0, 1, 5, 0}, AD.gradient(SortedArraysTest::topTwo, x.clone()), 1e-12);
        assertArrayEquals(new double[] {0, 1, 3, 0}, AD.gradient(SortedArraysTest::byComparator, x.clone()), 1e-12);
        org.grad4j.TransformException e = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.TransformException.class,
                () -> AD.gradient(SortedArraysTest::keyWithASideEffect, x.clone()));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("is passed to Comparator.comparingDouble")
                && e.getMessage().contains("a comparator or sort key that only reads would be fine, but this one does not: "
                        + "it writes into an array it did not allocate"), e.getMessage());
    }
}
