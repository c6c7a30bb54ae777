package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gradient whose generated code has a bounded stack depth (no loop run as recursion — loops
 * without calls run as real loops on the value tape — no differentiated call left) runs on the
 * caller's thread after its first run; any other starts there and moves to a large-stack worker
 * once it gets deep (runtime.StackExtension). All give the same derivatives.
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
        lastRanOn = Thread.currentThread();
        return unit * v * v * v;
    }

    /** Where the last call of a helper ran: the deepest frames of a long loop. */
    static volatile Thread lastRanOn;

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
            if (i > 0) assertSame(Thread.currentThread(), ranOn); // it starts here (the first run, which links, on a worker)
            assertNotSame(Thread.currentThread(), OtherClass.lastRanOn); // and moves
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
            if (i > 0) assertSame(Thread.currentThread(), ranOn);
            assertNotSame(Thread.currentThread(), lastRanOn);
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
    void shallowRecursionStaysOnTheCallersThread() {
        for (int i = 0; i < 3; i++) {
            double d = AD.derivative(v -> recursive(v, 3), 0.4);
            if (i > 0) assertSame(Thread.currentThread(), ranOn);
            double s1 = Math.sin(0.4), s2 = Math.sin(s1);
            assertEquals(Math.cos(s2) * Math.cos(s1) * Math.cos(0.4), d, 1e-12);
        }
    }

    static final Thread[] levels = new Thread[5001];

    @Differentiable
    static double recorded(double x, int n) {
        levels[n] = Thread.currentThread();
        return n == 0 ? x : Math.sin(recorded(x, n - 1)) + 0.1 * x;
    }

    /** d/dx of the recursion above, level by level (forward mode, by hand). */
    private static double recordedDerivative(double x, int n) {
        double v = x, dv = 1;
        for (int level = 1; level <= n; level++) {
            dv = Math.cos(v) * dv + 0.1;
            v = Math.sin(v) + 0.1 * x;
        }
        return dv;
    }

    @Test
    void deepRecursionStartsOnTheCallersThreadAndMovesToAWorker() {
        int n = 5000;
        org.grad4j.ScalarFunction f = v -> recorded(v, n);
        AD.derivative(f, 0.1); // the first run, which links, on a worker
        for (double x : new double[] {0.4, -1.1, 2.3}) {
            java.util.Arrays.fill(levels, null);
            double d = AD.derivative(f, x);
            assertEquals(recordedDerivative(x, n), d, 1e-9);
            assertSame(Thread.currentThread(), levels[n], "the outermost level runs on the caller's thread");
            assertTrue(levels[0].getName().startsWith("grad4j-worker"), "the innermost on a worker: " + levels[0]);
        }
    }

    /**
     * The recursion above without the record of threads: it writes nothing, so it runs as a taped
     * recursion (forward and reverse recursions over the value tape), whose forward pass, when it
     * gets deep on the caller's thread, starts again on a worker.
     */
    @Differentiable
    static double chained(double x, int n) {
        return n == 0 ? x : Math.sin(chained(x, n - 1)) + 0.1 * x;
    }

    /** Reads {@code a[i]} on the way down: past its end, the JVM's exception, deep in the forward pass. */
    @Differentiable
    static double chainedOver(double[] a, int i, int stop) {
        return i == stop ? a[0] : Math.sin(chainedOver(a, i + 1, stop)) + 0.1 * a[i];
    }

    @Test
    void aDeepTapedRecursionStartsAgainOnAWorker() throws Exception {
        int n = 30_000; // ~3 MB of forward frames: far more than the small thread below has
        double[] results = new double[3];
        onASmallStack(() -> {
            for (int i = 0; i < 3; i++) results[i] = AD.derivative(v -> chained(v, n), 0.3 + 0.2 * i);
        });
        for (int i = 0; i < 3; i++) assertEquals(recordedDerivative(0.3 + 0.2 * i, n), results[i], 1e-9);
        assertEquals(recordedDerivative(-0.7, 12), AD.derivative(v -> chained(v, 12), -0.7), 1e-12); // shallow: no move
    }

    @Test
    void anExceptionDeepInATapedRecursionReachesTheCaller() {
        double[] a = new double[100];
        java.util.Arrays.fill(a, 0.5);
        for (int i = 0; i < 2; i++) {
            ArrayIndexOutOfBoundsException e = assertThrows(ArrayIndexOutOfBoundsException.class,
                    () -> AD.gradient(v -> chainedOver(v, 0, 5_000), a)); // deep enough to move first
            assertTrue(e.getMessage().contains("100"), e.getMessage());
            double[] g = AD.gradient(v -> chainedOver(v, 0, 3), a); // the tape is whole again
            // f3 = a0, f2 = sin(f3) + 0.1 a2, f1 = sin(f2) + 0.1 a1, f0 = sin(f1) + 0.1 a0
            double f2 = Math.sin(0.5) + 0.05, f1 = Math.sin(f2) + 0.05;
            assertEquals(Math.cos(f1) * Math.cos(f2) * Math.cos(0.5) + 0.1, g[0], 1e-12);
            assertEquals(0.1 * Math.cos(f1), g[1], 1e-12);
            assertEquals(0.1 * Math.cos(f1) * Math.cos(f2), g[2], 1e-12);
            assertEquals(0, g[3]);
        }
    }

    @Test
    void aThreadWithASmallStackMovesBeforeItOverflows() throws Exception {
        // 256 KiB of stack: the gradient's share of it, the first calls of its code interpreted, must fit
        double[] x = {0.5, -0.25, 0.75};
        double[][] results = new double[2][];
        onASmallStack(() -> {
            for (int i = 0; i < 2; i++) {
                results[0] = AD.gradient(v -> OtherClass.loopCallingCube(v, 50_000), x);
                results[1] = new double[] {AD.derivative(v -> recorded(v, 3000), 0.7)};
            }
        });
        assertSumOfCubes(x, 50_000, results[0]);
        assertEquals(recordedDerivative(0.7, 3000), results[1][0], 1e-9);
    }

    /** Runs {@code work} on a thread with 256 KiB of stack, and fails with what it threw. */
    private static void onASmallStack(Runnable work) throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread small = new Thread(null, () -> {
            try {
                work.run();
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "small-stack", 256 << 10);
        small.start();
        small.join();
        if (failure[0] != null) throw new AssertionError(failure[0]);
    }

    /** Plain code the gradient runs as it is (ints only): as deep as {@code n}. */
    static int levels(int n) {
        return n == 0 ? 0 : 1 + levels(n - 1);
    }

    @Differentiable
    static double scaledByLevels(double[] x, int n) {
        return x[0] * x[1] * levels(n);
    }

    static volatile int levelsAsked;

    @Test
    void primalCodeOverflowingTheCallersStackIsAClearError() {
        org.grad4j.VectorFunction f = v -> scaledByLevels(v, levelsAsked);
        double[] x = {0.5, 2};
        levelsAsked = 3;
        assertEquals(6, AD.gradient(f, x)[0], 1e-12); // the first gradient, on a worker
        levelsAsked = 100_000_000; // deeper than this thread's stack: a recursion without end, in effect
        org.grad4j.runtime.DepthExceededException e =
                assertThrows(org.grad4j.runtime.DepthExceededException.class, () -> AD.gradient(f, x));
        assertTrue(e.getMessage().contains("calling thread's stack") && e.getMessage().contains("recurses without end"),
                e.getMessage());
        levelsAsked = 3;
        assertEquals(6, AD.gradient(f, x)[0], 1e-12);
    }

    @Differentiable
    static double failsAtTheEnd(double[] x, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            if (i == n - 1 && x[0] > 0) throw new IllegalStateException("step " + i + " diverged");
            s += OtherClass.cube(x[i % x.length]);
        }
        return s;
    }

    @Test
    void whatTheMovedPartThrowsReachesTheCaller() {
        double[] x = {0.5, -0.25};
        double[] first = {-0.5, 0.25}; // the first run, which links, on a worker
        org.grad4j.VectorFunction f = v -> failsAtTheEnd(v, 100_000);
        assertSumOfCubes(first, 100_000, AD.gradient(f, first));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AD.gradient(f, x));
        assertEquals("step 99999 diverged", e.getMessage());
        assertNotSame(Thread.currentThread(), OtherClass.lastRanOn, "it had moved");
        assertSumOfCubes(first, 100_000, AD.gradient(f, first)); // the next runs as usual
    }

    /** Each level runs a call-free loop (taped): the tape, borrowed on the caller's thread, goes on on the worker. */
    @Differentiable
    static double levelsWithLoops(double[] w, int n) {
        if (n == 0) return w[0];
        double s = 0;
        for (int i = 0; i < w.length; i++) s += w[i] * Math.sin(w[i] + n);
        return Math.tanh(s) + 0.5 * levelsWithLoops(w, n - 1);
    }

    @Test
    void tapedLoopsOnBothSidesOfTheMove() {
        double[] w = {0.3, -0.7, 1.1, 0.2};
        int n = 2000;
        org.grad4j.VectorFunction f = v -> levelsWithLoops(v, n);
        AD.gradient(f, w); // the first run, which links, on a worker
        double[] g = AD.gradient(f, w);
        for (int j = 0; j < w.length; j++) {
            double h = 1e-6;
            double[] up = w.clone(), down = w.clone();
            up[j] += h;
            down[j] -= h;
            double fd = (plainLevels(up, n) - plainLevels(down, n)) / (2 * h);
            assertEquals(fd, g[j], 1e-6 * Math.max(1, Math.abs(fd)));
        }
    }

    /** The same function, evaluated without recursion (a reference the agent does not touch). */
    private static double plainLevels(double[] w, int n) {
        double value = w[0];
        for (int level = 1; level <= n; level++) {
            double s = 0;
            for (double v : w) s += v * Math.sin(v + level);
            value = Math.tanh(s) + 0.5 * value;
        }
        return value;
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
        lastRanOn = Thread.currentThread();
        return unit * v * v * v;
    }

    static volatile Thread lastRanOn;

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
