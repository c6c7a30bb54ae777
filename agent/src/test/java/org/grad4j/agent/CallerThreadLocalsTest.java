package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.grad4j.AD;
import org.grad4j.ValueAndGradient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A loss that reads a per-thread setting the caller made ({@code ThreadLocal}) computes under
 * {@code AD} what it computes when called, also where the gradient runs on a worker thread: a
 * function's first gradient, and a deep one that moves there. Before, the first gradient took the
 * worker's values: a silently different value and gradient.
 */
class CallerThreadLocalsTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    static final ThreadLocal<double[]> WEIGHTS = ThreadLocal.withInitial(() -> new double[] {1.0, 1.0});
    static final ThreadLocal<int[]> CALLS = ThreadLocal.withInitial(() -> new int[1]);

    static double weighted(double[] x) {
        double[] w = WEIGHTS.get();
        CALLS.get()[0]++;
        return w[0] * x[0] * x[0] + w[1] * x[1];
    }

    static volatile String bottomThread;

    static double bottom(double x) {
        bottomThread = Thread.currentThread().getName();
        return x * WEIGHTS.get()[0];
    }

    static double nested(double x, int n) {
        double s = 0;
        for (int i = 0; i < 2; i++) s += 0.5 * x; // a loop: not a taped recursion, which would stay on the caller
        return n == 0 ? bottom(x) : Math.sin(nested(x, n - 1)) * 0.5 + s * 0.5;
    }

    static double deep(double[] q) {
        return nested(q[0], 3000);
    }

    @Test
    void aFirstGradientOnAWorkerReadsTheCallersThreadLocals() {
        WEIGHTS.set(new double[] {3.0, 5.0});
        try {
            double[] x = {2.0, 1.0};
            int before = CALLS.get()[0];
            ValueAndGradient first = AD.valueAndGradient(CallerThreadLocalsTest::weighted, x);
            assertEquals(3.0 * 4 + 5.0, first.value(), 0.0);
            assertArrayEquals(new double[] {2 * 3.0 * 2.0, 5.0}, first.gradient(), 0.0); // by hand
            assertEquals(before + 1, CALLS.get()[0], "the function's count went to the caller's counter");
            ValueAndGradient second = AD.valueAndGradient(CallerThreadLocalsTest::weighted, x);
            assertArrayEquals(first.gradient(), second.gradient(), 0.0);
        } finally {
            WEIGHTS.remove();
        }
    }

    @Test
    void aDeepGradientMovedToAWorkerReadsTheCallersThreadLocals() {
        WEIGHTS.set(new double[] {0.25, 0});
        try {
            double[] q = {0.5};
            for (int run = 0; run < 2; run++) { // the first run on a worker from its start, the second moved there when deep
                double[] g = AD.gradient(CallerThreadLocalsTest::deep, q);
                String ranOn = bottomThread;
                double h = 1e-6;
                double fd = (deep(new double[] {q[0] + h}) - deep(new double[] {q[0] - h})) / (2 * h);
                assertArrayEquals(new double[] {fd}, g, 1e-7, "run " + run);
                org.junit.jupiter.api.Assertions.assertTrue(ranOn.startsWith("grad4j-worker"), "ran on " + ranOn);
            }
        } finally {
            WEIGHTS.remove();
        }
    }
}
