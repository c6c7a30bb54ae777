package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.AD;
import org.grad4j.GradientException;
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
