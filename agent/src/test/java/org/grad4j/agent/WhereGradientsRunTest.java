package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gradient whose generated code has a bounded stack depth (no loop run as recursion, no
 * differentiated call left) runs on the caller's thread after its first run; any other runs on a
 * large-stack worker. Both give the same derivatives.
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
    void loopsAndRecursionRunOnAWorker() {
        double[] x = {0.5, 1.5, -2};
        for (int i = 0; i < 3; i++) {
            double[] g = AD.gradient(WhereGradientsRunTest::withLoop, x);
            assertNotSame(Thread.currentThread(), ranOn);
            for (int j = 0; j < x.length; j++) assertEquals(2 * x[j] * (j + 1), g[j], 1e-12);
            double d = AD.derivative(v -> recursive(v, 3), 0.4);
            assertNotSame(Thread.currentThread(), ranOn);
            double s1 = Math.sin(0.4), s2 = Math.sin(s1);
            assertEquals(Math.cos(s2) * Math.cos(s1) * Math.cos(0.4), d, 1e-12);
        }
    }
}
