package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.Model;
import org.grad4j.Parameter;
import org.grad4j.VectorFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Optional arguments passed as a literal {@code null} — sample weights, a mask, a regulariser, an
 * activation — the way Java code says "none". A slot that holds null on every path into a block
 * has no type the verifier knows but null's; it is read as the constant null there (a helper's
 * parameter given {@code null} and read in its loop once inlined, a local {@code double[] m =
 * null}). Every gradient against central differences at random points.
 */
class NullArgumentsTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    interface Regulariser {
        double penalty(double[] w);
    }

    enum Activation {
        TANH {
            @Override double apply(double z) { return Math.tanh(z); }
        },
        CUBE {
            @Override double apply(double z) { return z * z * z; }
        };

        abstract double apply(double z);
    }

    static double weighted(double[] w, double[] sampleWeights) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            double sw = sampleWeights == null ? 1.0 : sampleWeights[i];
            s += sw * w[i] * w[i];
        }
        return s;
    }

    static double withMatrix(double[] w, double[][] m) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += Math.sin(w[i]) * (m == null ? 1 : m[i][i]);
        return s;
    }

    static double withRegulariser(double[] w, Regulariser reg) {
        double s = 0;
        for (double v : w) s += v * v * v;
        return reg == null ? s : s + reg.penalty(w);
    }

    static double activated(double[] w, Activation act) {
        double s = 0;
        for (double v : w) s += act == null ? Math.exp(v) : act.apply(v);
        return s;
    }

    static double throughTwoLevels(double[] w) {
        return middle(w, null);
    }

    static double middle(double[] w, double[] sampleWeights) {
        return weighted(w, sampleWeights) + Math.cos(w[0]);
    }

    @Differentiable
    static double nullLocal(double[] w) {
        double[] mask = null;
        double s = 0;
        for (int i = 0; i < w.length; i++) s += (mask == null ? 1 : mask[i]) * Math.log(1 + w[i] * w[i]);
        return s;
    }

    @Test
    void aLiteralNullForAnOptionalArgument() {
        Random r = new Random(41);
        for (int trial = 0; trial < 3; trial++) {
            double[] w = gaussian(r, 3 + trial);
            check(v -> weighted(v, null), w);
            check(v -> withMatrix(v, null), w);
            check(v -> withRegulariser(v, null), w);
            check(v -> activated(v, null), w);
            check(NullArgumentsTest::throughTwoLevels, w);
            check(NullArgumentsTest::nullLocal, w);
            // and the same helpers given something
            double[] sw = gaussian(r, w.length);
            check(v -> weighted(v, sw), w);
            check(v -> activated(v, Activation.TANH), w);
        }
    }

    /** An Object variable holding the differentiated array on one path and a string on the other, tested and cast back. */
    static double eitherArrayOrText(double[] w, boolean useArray) {
        Object o = useArray ? w : "none";
        if (o instanceof double[] a) {
            double s = 0;
            for (double v : a) s += v * v;
            return s;
        }
        return Math.sin(w[0]);
    }

    @Test
    void anObjectVariableHoldingTheArrayOrAString() {
        Random r = new Random(43);
        for (int trial = 0; trial < 3; trial++) {
            double[] w = gaussian(r, 2 + trial);
            check(v -> eitherArrayOrText(v, true), w);
            check(v -> eitherArrayOrText(v, false), w);
        }
    }

    static final class Linear {
        @Parameter double[] w = {0.5, -0.5};

        double loss(double[][] xs, double[] ys, double[] sampleWeights) {
            double s = 0;
            for (int i = 0; i < ys.length; i++) {
                double e = w[0] * xs[i][0] + w[1] * xs[i][1] - ys[i];
                s += (sampleWeights == null ? 1 : sampleWeights[i]) * e * e;
            }
            return s;
        }
    }

    @Test
    void aLiteralNullInAModelsLoss() {
        double[][] xs = {{1, 2}, {3, 4}, {-1, 0.5}};
        double[] ys = {1, 0, 2};
        Linear lin = new Linear();
        double[] g = Model.gradient(lin, m -> m.loss(xs, ys, null)).getArray("w");
        double[] expected = new double[2];
        for (int i = 0; i < ys.length; i++) { // d/dw sum e^2 = sum 2 e x, by hand
            double e = lin.w[0] * xs[i][0] + lin.w[1] * xs[i][1] - ys[i];
            expected[0] += 2 * e * xs[i][0];
            expected[1] += 2 * e * xs[i][1];
        }
        assertArrayEquals(expected, g, 1e-12);
    }

    private static void check(VectorFunction f, double[] w) {
        CentralDifferences.check(f, w);
    }

    private static double[] gaussian(Random r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextGaussian();
        return x;
    }
}
