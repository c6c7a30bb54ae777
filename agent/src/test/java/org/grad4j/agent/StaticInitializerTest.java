package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.AD;
import org.grad4j.runtime.DepthExceededException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A gradient computed while a class initialises (a precomputed constant): a worker thread would
 * wait for the class's initializer, which waits for the worker. It runs on the calling thread.
 */
class StaticInitializerTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    /** Recursion (so the gradient would go to a worker) reading a static field of the class being initialised. */
    static final class Precomputed {
        static double[] weights = {1.0, 3.0};

        static double f(double[] x) {
            return rec(x, 3);
        }

        static double rec(double[] x, int d) {
            if (d == 0) return 0;
            return weights[d % 2] * x[d % 2] * x[d % 2] + 0.5 * rec(x, d - 1);
        }

        static final double[] GRADIENT = AD.gradient(Precomputed::f, new double[] {0.5, 1.5});
    }

    static final class TooDeep {
        static double[] weights = {1.0};

        static double rec(double x, int d) {
            return d == 0 ? 0 : weights[0] * x + rec(x, d - 1);
        }

        static final double DERIVATIVE = AD.derivative(x -> rec(x, 10_000_000), 0.5);
    }

    @Test
    @Timeout(60)
    void aGradientInAStaticInitializerRunsOnTheCallingThread() {
        double[] g = Precomputed.GRADIENT;
        // f = 3 x1² + 0.5 (1 x0² + 0.5 · 3 x1²): d/dx0 = x0, d/dx1 = 6 x1 + 1.5 x1
        assertEquals(0.5, g[0], 1e-12);
        assertEquals(7.5 * 1.5, g[1], 1e-12);
    }

    @Test
    @Timeout(60)
    void aTooDeepOneSaysWhereItRanAndWhatToDo() {
        ExceptionInInitializerError e = assertThrows(ExceptionInInitializerError.class, () -> {
            double unused = TooDeep.DERIVATIVE;
        });
        DepthExceededException d = assertInstanceOf(DepthExceededException.class, e.getCause());
        assertTrue(d.getMessage().contains("static initializer of " + TooDeep.class.getName()), d.getMessage());
        assertTrue(d.getMessage().contains("-Xss"), d.getMessage());
    }
}
