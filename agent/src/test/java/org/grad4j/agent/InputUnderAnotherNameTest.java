package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.AD;
import org.grad4j.GradientException;
import org.grad4j.TransformException;
import org.grad4j.VectorFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The array a gradient is taken at, reached by differentiated code under another name — a field
 * of the object whose method is the loss, a static field, the result of a getter grad4j runs as
 * it is, a row of a data matrix — is a constant to grad4j there. A user probe found the
 * gradient then silently missed those uses (a ridge penalty read from {@code this.w} while the
 * gradient was taken at {@code w}); now such a read is refused. The same code given a copy
 * still gets its gradient, checked against central differences.
 */
class InputUnderAnotherNameTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static final class Ridge {
        double[] w;
        final double[] xs = {0.5, -1, 2}, ys = {1, 0.2, -0.7};

        Ridge(double[] w) {
            this.w = w;
        }

        /** Least squares in v, plus a penalty on the weights read from the field. */
        double loss(double[] v) {
            double s = 0;
            for (int i = 0; i < xs.length; i++) {
                double r = v[0] * xs[i] + v[1] - ys[i];
                s += r * r;
            }
            for (int i = 0; i < w.length; i++) s += 0.3 * w[i] * w[i];
            return s;
        }
    }

    /** The penalty in a method of its own that takes no differentiable argument (grad4j ran it as it is). */
    static class RidgeWithPenalty {
        final double[] w;

        RidgeWithPenalty(double[] w) {
            this.w = w;
        }

        double loss(double[] v) {
            return v[0] * v[0] + v[1] + penalty();
        }

        public double penalty() {
            double s = 0;
            for (double wi : w) s += wi * wi;
            return 0.3 * s;
        }
    }

    /** A solver's state keeps its current point; what the loss calls on it reads only data. */
    static final class Solver {
        double[] current;
        final double[] target = {1, 2};

        double scale() {
            return target[0] + target[1];
        }

        /** Reads the length of the field that holds the point: its numbers come from v alone. */
        double loss(double[] v) {
            double s = 0;
            for (int i = 0; i < current.length; i++) s += (v[i] - target[i]) * (v[i] - target[i]);
            return s * scale();
        }
    }

    static double[] shared;

    static double readsStatic(double[] v) {
        return v[0] * v[1] + shared[0] * shared[0];
    }

    static final class Getter {
        static double[] get() {
            return shared;
        }
    }

    static double readsGetter(double[] v) {
        double[] w = Getter.get();
        return v[0] * w[1];
    }

    static double[][] rows;

    static double readsRowOfData(double[][] m) {
        double[] r = rows[0];
        return m[0][0] * m[1][1] + r[0];
    }

    private static void refused(Runnable gradient, String what) {
        GradientException e = assertThrows(GradientException.class, gradient::run);
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertTrue(e.getMessage().contains("InputUnderAnotherNameTest.java:"), e.getMessage());
        assertTrue(e.getMessage().contains("the array the gradient is taken at"), e.getMessage());
    }

    @Test
    void aFieldThatHoldsThePointIsRefusedWhereTheLossReadsIt() {
        Ridge r = new Ridge(new double[] {0.5, -0.3});
        refused(() -> AD.gradient(v -> r.loss(v), r.w), "a read of the field org.grad4j.agent.InputUnderAnotherNameTest$Ridge.w");
    }

    @Test
    void aHelperRunWithoutDifferentiableArgumentsThatReadsThePointIsRefusedToo() {
        RidgeWithPenalty r = new RidgeWithPenalty(new double[] {0.5, -0.3});
        refused(() -> AD.gradient(v -> r.loss(v), r.w), "a read of the field org.grad4j.agent.InputUnderAnotherNameTest$RidgeWithPenalty.w");
        refused(() -> AD.gradient(v -> r.penalty(), r.w), "RidgeWithPenalty.penalty");   // the argument not even used
        refused(() -> AD.gradient(r::loss, r.w), "RidgeWithPenalty.penalty");
        CentralDifferences.check(v -> r.loss(v), 0.5, -0.3);                              // a copy: data, and right
    }

    static double penalty(java.util.List<double[]> blocks) {
        double s = 0;
        for (double[] b : blocks) for (double v : b) s += v * v;
        return s;
    }

    static double readsFromMap(java.util.Map<String, double[]> named) {
        return named.get("w")[0];
    }

    /** Before: the point reached through a JDK container was a constant, and the gradient silently wrong. */
    @Test
    void aContainerHoldingThePointIsRefusedWhereItsElementIsRead() {
        double[] w = {0.5, -1.5};
        java.util.List<double[]> blocks = new java.util.ArrayList<>(java.util.List.of(w));
        java.util.Map<String, double[]> named = java.util.Map.of("w", w);
        for (VectorFunction f : new VectorFunction[] {v -> v[0] * v[1] + penalty(blocks), v -> v[0] * v[1] + readsFromMap(named)}) {
            TransformException e = assertThrows(TransformException.class, () -> AD.gradient(f, w));
            assertTrue(e.getMessage().contains("holds the array the gradient is taken at"), e.getMessage());
        }
        // kept there but only counted: fine
        assertEquals(2 * 0.5, AD.gradient(v -> v[0] * v[0] + blocks.size(), w)[0], 1e-12);
    }

    static double sumOfSquares(double[] w) {
        return w[0] * w[0] + w[1] * w[1];
    }

    static double viaAtomicArray(java.util.concurrent.atomic.AtomicReferenceArray<double[]> r) {
        return sumOfSquares(r.get(0));
    }

    static double viaThreadLocal(ThreadLocal<double[]> t) {
        return sumOfSquares(t.get());
    }

    static double viaWeak(java.lang.ref.WeakReference<double[]> r) {
        return sumOfSquares(r.get());
    }

    static double viaEntry(java.util.Map.Entry<String, double[]> e) {
        return sumOfSquares(e.getValue());
    }

    static double viaBuffer(java.nio.DoubleBuffer b) {
        return b.get(0) * b.get(0) + b.get(1) * b.get(1);
    }

    /** More JDK holders, their contents read in a helper run as it is: before, the penalty was silently constant. */
    @Test
    void moreJdkHoldersOfThePointAreRefusedWhereTheirContentIsRead() {
        double[] w = {1, 2};
        var refs = new java.util.concurrent.atomic.AtomicReferenceArray<double[]>(new double[][] {w});
        ThreadLocal<double[]> local = ThreadLocal.withInitial(() -> w);
        var weak = new java.lang.ref.WeakReference<>(w);
        var entry = java.util.Map.entry("w", w);
        java.nio.DoubleBuffer buffer = java.nio.DoubleBuffer.wrap(w);
        VectorFunction[] functions = {v -> v[0] + v[1] + viaAtomicArray(refs), v -> v[0] + v[1] + viaThreadLocal(local),
                v -> v[0] + v[1] + viaWeak(weak), v -> v[0] + v[1] + viaEntry(entry), v -> v[0] + v[1] + viaBuffer(buffer),
                v -> v[0] + v[1] + buffer.get(0) * buffer.get(1)};
        for (VectorFunction f : functions) {
            TransformException e = assertThrows(TransformException.class, () -> AD.gradient(f, w));
            assertTrue(e.getMessage().contains("holds the array the gradient is taken at"), e.getMessage());
        }
        // holding a copy: data, and the gradient right
        java.nio.DoubleBuffer copy = java.nio.DoubleBuffer.wrap(w.clone());
        CentralDifferences.check(v -> v[0] * v[1] + viaBuffer(copy), 1, 2);
    }

    @Test
    void anObjectThatKeepsThePointButWhoseCodeReadsOnlyDataIsFine() {
        Solver s = new Solver();
        s.current = new double[] {3, 4};
        double[] g = AD.gradient(v -> s.loss(v), s.current);
        assertEquals(2 * (3 - 1) * 3, g[0], 1e-12);
        assertEquals(2 * (4 - 2) * 3, g[1], 1e-12);
    }

    static double withSupplier(double[] v, java.util.function.DoubleSupplier s) {
        return v[0] * v[1] + s.getAsDouble();
    }

    @Test
    void aLambdaThatCapturedThePointIsRefusedWhereItIsCalled() {
        double[] w = {0.5, 2};
        java.util.function.DoubleSupplier s = () -> w[0] * w[0];
        refused(() -> AD.gradient(v -> withSupplier(v, s), w), "an array captured by the lambda");
        double[] copy = w.clone();
        java.util.function.DoubleSupplier c = () -> copy[0] * copy[0];
        CentralDifferences.check(v -> withSupplier(v, c), 0.5, 2);   // a copy is data: d/dv = (v1, v0)
    }

    static final class Net {
        double[] w;

        double[] forward(double[] v) {
            return new double[] {v[0] * w[1], v[1] * v[1]};
        }
    }

    /**
     * A Jacobian used to run each pass on a copy of x, so an x the function also reached as data
     * was never the point: {@code AD.jacobian(v -> new double[] {v[0] * x[1], v[1]}, x)} silently
     * lost d/dx1 of the first output. Now it runs on x (its values put back), refused like a gradient.
     */
    @Test
    void aJacobianAtAnArrayTheFunctionAlsoReachesIsRefusedNotShort() {
        double[] x = {0.5, 2};
        assertThrows(GradientException.class, () -> AD.jacobian(v -> new double[] {v[0] * x[1], v[1]}, x));
        Net n = new Net();
        n.w = x;
        refused(() -> AD.jacobian(v -> n.forward(v), n.w), "a read of the field org.grad4j.agent.InputUnderAnotherNameTest$Net.w");
        assertEquals(0.5, x[0]);
        assertEquals(2.0, x[1]);
        n.w = x.clone();
        double[][] j = AD.jacobian(v -> n.forward(v), x);
        assertEquals(2.0, j[0][0], 1e-12);
        assertEquals(0.0, j[0][1], 1e-12);
        assertEquals(4.0, j[1][1], 1e-12);
    }

    /** A function that mutates its input sees the same input in every pass, and x is as it was. */
    @Test
    void aJacobianOfAMutatingFunctionSeesTheSameInputEachPass() {
        double[] x = {0.5, 2, -1};
        double[][] j = AD.jacobian(v -> {
            for (int i = 0; i < v.length; i++) v[i] = v[i] * v[i];
            return new double[] {v[0] * v[1], v[2]};
        }, x);
        assertEquals(2 * 0.5 * 4, j[0][0], 1e-12);      // d(x0^2 x1^2)/dx0
        assertEquals(0.25 * 2 * 2, j[0][1], 1e-12);     // d(x0^2 x1^2)/dx1
        assertEquals(-2.0, j[1][2], 1e-12);
        assertEquals(0.5, x[0]);
        assertEquals(-1.0, x[2]);
    }

    @Test
    void theSameFieldHoldingACopyIsDataAndTheGradientIsRight() {
        Ridge r = new Ridge(new double[] {0.5, -0.3});
        CentralDifferences.check(v -> r.loss(v), 0.5, -0.3);
    }

    @Test
    void aStaticFieldOrAGetterThatGivesThePointIsRefused() {
        shared = new double[] {0.5, 2};
        refused(() -> AD.gradient(InputUnderAnotherNameTest::readsStatic, shared), "a read of the field org.grad4j.agent.InputUnderAnotherNameTest.shared");
        refused(() -> AD.gradient(InputUnderAnotherNameTest::readsGetter, shared), "the result of InputUnderAnotherNameTest.Getter.get");
        shared = new double[] {0.5, 2};
        CentralDifferences.check(InputUnderAnotherNameTest::readsStatic, 0.5, 2);
    }

    @Test
    void aRowOfAMatrixPointReadFromDataIsRefused() throws Exception {
        double[][] m = {{1, 2}, {3, 4}};
        rows = new double[][] {m[1]};
        var method = InputUnderAnotherNameTest.class.getDeclaredMethod("readsRowOfData", double[][].class);
        refused(() -> AD.gradient(method, null, (Object) m), "an element of an array of arrays that grad4j takes as data");
    }
}
