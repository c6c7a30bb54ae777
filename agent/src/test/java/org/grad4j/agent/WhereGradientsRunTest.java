package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gradient whose generated code has a bounded stack depth (no loop run as recursion — loops
 * without calls run as real loops on the value tape — no differentiated call left) runs on the
 * caller's thread after its first run; any other runs on a large-stack worker. Both give the same
 * derivatives.
 */
class WhereGradientsRunTest {
    static volatile Thread ranOn;

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static double square(double v) {
        return v * v;
    }

    private static double unit = 1;

    /** Reads a private field, so called from another class, never inlined there. */
    static double cubed(double v) {
        return unit * v * v * v;
    }

    @Differentiable
    static double formula(double[] x) {
        ranOn = Thread.currentThread();
        double r = x[0] > 0 ? Math.log1p(x[0]) : -x[0];
        return square(x[0] * x[1]) + Math.sin(x[1]) * r;
    }

    @Differentiable
    static double withLoop(double[] x) {
        ranOn = Thread.currentThread();
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * x[i] * (i + 1);
        return s;
    }

    /** A long loop calling a helper of another class (not inlined): one frame per iteration. */
    @Differentiable
    static double loopCallingAHelper(double[] x, int n) {
        ranOn = Thread.currentThread();
        double s = 0;
        for (int i = 0; i < n; i++) s += OtherClass.cube(x[i % x.length]);
        return s;
    }

    @Differentiable
    static double recursive(double x, int n) {
        ranOn = Thread.currentThread();
        return n == 0 ? x : Math.sin(recursive(x, n - 1));
    }

    @Test
    void boundedCodeRunsOnTheCallersThreadAfterItsFirstRun() {
        double[] x = {0.7, -1.3};
        AD.gradient(WhereGradientsRunTest::formula, x); // first run: on a worker, which learns the code is bounded
        for (double a : new double[] {0.7, -0.4}) {
            double[] p = {a, -1.3};
            double[] g = AD.gradient(WhereGradientsRunTest::formula, p);
            assertSame(Thread.currentThread(), ranOn);
            double r = a > 0 ? Math.log1p(a) : -a;
            double dr = a > 0 ? 1 / (1 + a) : -1;
            assertEquals(2 * a * p[1] * p[1] + Math.sin(p[1]) * dr, g[0], 1e-12);
            assertEquals(2 * a * a * p[1] + Math.cos(p[1]) * r, g[1], 1e-12);
        }
    }

    @Test
    void callFreeLoopsRunOnTheCallersThreadAfterTheirFirstRun() {
        double[] x = {0.5, 1.5, -2};
        for (int i = 0; i < 3; i++) {
            double[] g = AD.gradient(WhereGradientsRunTest::withLoop, x);
            if (i > 0) assertSame(Thread.currentThread(), ranOn);
            for (int j = 0; j < x.length; j++) assertEquals(2 * x[j] * (j + 1), g[j], 1e-12);
        }
    }

    @Test
    void aBoundedHelperDoesNotMakeItsCallerBounded() {
        double[] x = {0.5, -0.25, 0.75};
        int n = 200_000; // far deeper than a caller's thread could hold, one frame per iteration
        for (int i = 0; i < 3; i++) {
            double[] g = AD.gradient(v -> loopCallingAHelper(v, n), x);
            assertNotSame(Thread.currentThread(), ranOn);
            assertSumOfCubes(x, n, g);
        }
    }

    @Test
    void aLambdaCallingBoundedCodeRunsOnTheCallersThread() {
        double[] x = {0.5, -0.25, 0.75};
        double[] w = {2, 3, 5};
        for (int i = 0; i < 3; i++) {
            double[] g = AD.gradient(v -> OtherClass.weightedSquares(v, w) + 1, x);
            if (i > 0) assertSame(Thread.currentThread(), ranOn);
            for (int j = 0; j < x.length; j++) assertEquals(2 * w[j] * x[j], g[j], 1e-12);
        }
    }

    static double halfSquare(double v) {
        return 0.5 * v * v;
    }

    /** Small enough to inline into a lambda; its loop calls a helper its own variant inlines. */
    static double loopCallingAnInlinedHelper(double[] x) {
        ranOn = Thread.currentThread();
        double s = 0;
        for (int i = 0; i < x.length; i++) s += halfSquare(x[i]) * (i + 1);
        return s;
    }

    @Test
    void aLambdaCallingALoopWithASmallHelperRunsOnTheCallersThread() {
        // inlined into the lambda, the loop would keep halfSquare as a call: recursion, a worker
        double[] x = {0.5, -0.25, 0.75};
        for (int i = 0; i < 3; i++) {
            double[] g = AD.gradient(v -> loopCallingAnInlinedHelper(v), x);
            if (i > 0) assertSame(Thread.currentThread(), ranOn);
            for (int j = 0; j < x.length; j++) assertEquals(x[j] * (j + 1), g[j], 1e-12);
        }
    }

    @Test
    void aLambdaCallingUnboundedCodeRunsOnAWorker() {
        double[] x = {0.5, -0.25, 0.75};
        int n = 200_000;
        for (int i = 0; i < 3; i++) {
            double[] g = AD.gradient(v -> OtherClass.loopCallingCube(v, n), x);
            assertNotSame(Thread.currentThread(), ranOn);
            assertSumOfCubes(x, n, g);
        }
    }

    /** The gradient of the sum over i < n of x[i % x.length]³: element j is counted about n / x.length times. */
    private static void assertSumOfCubes(double[] x, int n, double[] g) {
        for (int j = 0; j < x.length; j++) {
            int times = n / x.length + (j < n % x.length ? 1 : 0);
            assertEquals(3 * x[j] * x[j] * times, g[j], 1e-9 * times);
        }
    }

    @Test
    void recursionRunsOnAWorker() {
        for (int i = 0; i < 3; i++) {
            double d = AD.derivative(v -> recursive(v, 3), 0.4);
            assertNotSame(Thread.currentThread(), ranOn);
            double s1 = Math.sin(0.4), s2 = Math.sin(s1);
            assertEquals(Math.cos(s2) * Math.cos(s1) * Math.cos(0.4), d, 1e-12);
        }
    }
}

/**
 * Helpers in another class's nest. {@code cube} reads a private field of this class, which code
 * generated for another class cannot reach, so it is called, not inlined; its own code has no loop.
 */
final class OtherClass {
    private OtherClass() {}

    private static double unit = 1;

    static double cube(double v) {
        return unit * v * v * v;
    }

    /** A call-free loop: bounded, and so is a caller that only calls it. */
    static double weightedSquares(double[] x, double[] w) {
        WhereGradientsRunTest.ranOn = Thread.currentThread();
        double s = 0;
        for (int i = 0; i < x.length; i++) s += w[i] * x[i] * x[i];
        return s;
    }

    /** A loop calling a helper of another class: one frame per iteration, unbounded. */
    static double loopCallingCube(double[] x, int n) {
        WhereGradientsRunTest.ranOn = Thread.currentThread();
        double s = 0;
        for (int i = 0; i < n; i++) s += WhereGradientsRunTest.cubed(x[i % x.length]); // reads a private field: called
        return s;
    }
}
