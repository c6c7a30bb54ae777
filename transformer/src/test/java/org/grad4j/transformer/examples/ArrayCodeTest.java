package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.grad4j.transformer.testing.Harness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ArrayCodeTest {
    private final Random random = new Random(7);

    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private double[] vec(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = random.nextGaussian();
        return v;
    }

    private double[][] mat(int r, int c) {
        double[][] m = new double[r][];
        for (int i = 0; i < r; i++) m[i] = vec(c);
        return m;
    }

    @Test
    void dotProductGradientIsTheOtherVector() {
        double[] a = vec(5), b = vec(5);
        Harness.Result r = Harness.run(ArrayCode.class, "dot", a, b);
        assertArrayEquals(b, r.shadow(0), 1e-12);
        assertArrayEquals(a, r.shadow(1), 1e-12);
    }

    @Test
    void matrixVector() {
        for (int i = 0; i < 3; i++) check(ArrayCode.class, "matVecNorm", mat(3, 4), vec(4));
    }

    @Test
    void inPlaceUpdates() {
        for (int i = 0; i < 3; i++) {
            check(ArrayCode.class, "prefixSumsInPlace", (Object) vec(6));
            check(ArrayCode.class, "scaleInPlace", vec(4), random.nextGaussian());
        }
    }

    @Test
    void bubbleSortGradientIsAPermutation() {
        double[] x = {3.0, -1.0, 2.5, 0.5};
        Harness.Result r = Harness.run(ArrayCode.class, "bubbleSortWeighted", (Object) x);
        // sorted: -1 (w1), 0.5 (w2), 2.5 (w3), 3 (w4): the gradient is each element's rank
        assertArrayEquals(new double[] {4, 1, 3, 2}, r.shadow(0), 1e-12);
        check(ArrayCode.class, "bubbleSortWeighted", (Object) vec(7));
    }

    @Test
    void heatEquation() {
        check(ArrayCode.class, "heat", vec(8), 0.2, 50);
    }

    @Test
    void rowsOfTwoDimensionalArrays() {
        check(ArrayCode.class, "rowsInLocals", (Object) mat(3, 2));
    }

    @Test
    void gaussianMixture() {
        check(ArrayCode.class, "gmmLogLikelihood", mat(6, 3), vec(4), mat(4, 3), vec(4));
    }

    @Test
    void jdkArrayOperations() {
        for (int i = 0; i < 3; i++) check(ArrayCode.class, "copies", vec(6), random.nextGaussian());
        for (int i = 0; i < 3; i++) {
            double[] knots = {0, 0.7 + 0.2 * random.nextDouble(), 1.6 + 0.3 * random.nextDouble(), 2.5, 3.5};
            check(ArrayCode.class, "grownRowsAndKnots", mat(3, 2), knots, 0.3 + 2.8 * random.nextDouble());
        }
    }

    @Test
    void helpersThatReturnOrMutateArrays() {
        for (int i = 0; i < 3; i++) check(ArrayCode.class, "usesArrayHelpers", vec(5), random.nextGaussian());
        check(ArrayCode.class, "returnsItsArgument", (Object) vec(3));
    }
}
