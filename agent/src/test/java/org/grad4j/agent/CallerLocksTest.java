package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import org.grad4j.AD;
import org.grad4j.GradientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gradient asked for while the caller holds a lock that the function's helpers take too: a
 * thread-safe class whose synchronized method asks for the gradient of a loss that reads its data
 * through a synchronized getter. A worker running the gradient would wait for the caller's lock
 * while the caller waits for it. The first gradient of a function stays on a caller that holds a
 * lock; a deep one that must move to a worker is given up with a message instead of hanging.
 */
class CallerLocksTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    static final class Calibrator {
        private final double[] data;

        Calibrator(double[] data) {
            this.data = data;
        }

        synchronized double[] data() {
            return data;
        }

        double loss(double[] q) {
            double[] d = data();
            double s = 0;
            for (int i = 0; i < d.length; i++) {
                double r = q[0] * Math.exp(-q[1] * i) - d[i];
                s += r * r;
            }
            return s;
        }

        synchronized double[] gradient(double[] p) {
            return AD.gradient(this::loss, p);
        }

        /** By hand: d/dq0 = sum 2 r e^{-q1 i}, d/dq1 = sum 2 r (-i q0 e^{-q1 i}). */
        double[] expected(double[] q) {
            double g0 = 0, g1 = 0;
            for (int i = 0; i < data.length; i++) {
                double e = Math.exp(-q[1] * i), r = q[0] * e - data[i];
                g0 += 2 * r * e;
                g1 += 2 * r * -i * q[0] * e;
            }
            return new double[] {g0, g1};
        }
    }

    static final ReentrantLock LOCK = new ReentrantLock();

    static double guardedScale() {
        LOCK.lock();
        try {
            return 2.0;
        } finally {
            LOCK.unlock();
        }
    }

    static double scaledSquare(double[] q) {
        return q[0] * q[0] * guardedScale();
    }

    static final Object MONITOR = new Object();

    static double monitorScale() {
        synchronized (MONITOR) {
            return 0.5;
        }
    }

    /** Deep enough to move to a worker; the bottom takes the monitor the caller holds. */
    static double nested(double x, int n) {
        return n == 0 ? x * monitorScale() : Math.sin(nested(x, n - 1)) * 0.5 + 0.5 * x;
    }

    static double deep(double[] q) {
        return nested(q[0], 3000);
    }

    @Test
    void aFirstGradientUnderTheCallersLockRunsOnTheCaller() {
        Calibrator c = new Calibrator(new double[] {2.0, 1.2, 0.7, 0.45});
        double[] p = {1.9, 0.5};
        double[] g = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> c.gradient(p));
        assertArrayEquals(c.expected(p), g, 1e-10);
        double[] h = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            LOCK.lock();
            try {
                return AD.gradient(CallerLocksTest::scaledSquare, new double[] {1.5});
            } finally {
                LOCK.unlock();
            }
        });
        assertArrayEquals(new double[] {2 * 1.5 * 2.0}, h, 0.0);
    }

    @Test
    void aDeepGradientThatWouldWaitForTheCallersLockOnAWorkerIsGivenUp() {
        AD.gradient(CallerLocksTest::deep, new double[] {0.5}); // its first run, outside the lock
        GradientException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(GradientException.class, () -> {
            synchronized (MONITOR) {
                AD.gradient(CallerLocksTest::deep, new double[] {0.5});
            }
        }));
        assertTrue(e.getMessage().contains("waits for a lock that the thread asking for it holds")
                && e.getMessage().contains("CallerLocksTest.monitorScale"), e.getMessage());
        // outside the lock, it runs as before
        double[] g = AD.gradient(CallerLocksTest::deep, new double[] {0.5});
        double h = 1e-6;
        double fd = (deep(new double[] {0.5 + h}) - deep(new double[] {0.5 - h})) / (2 * h);
        assertArrayEquals(new double[] {fd}, g, 1e-6);
    }
}
