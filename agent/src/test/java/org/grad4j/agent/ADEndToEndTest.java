package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.Gradients;
import org.grad4j.ValueAndGradient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole product in one JVM: the real agent (self-attached), the real transformer, the
 * public {@link AD} API, checked against analytic derivatives and finite differences.
 */
class ADEndToEndTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    @Differentiable
    static double logistic(double[] w, double[][] xs, double[] ys) {
        double s = 0;
        for (int i = 0; i < xs.length; i++) {
            double z = 0;
            for (int j = 0; j < w.length; j++) z += w[j] * xs[i][j];
            double p = 1 / (1 + Math.exp(-z));
            s -= ys[i] > 0.5 ? Math.log(p) : Math.log(1 - p);
        }
        return s / xs.length;
    }

    @Differentiable
    static double longLoop(double x, int n) {
        double y = x;
        for (int i = 0; i < n; i++) y = y + 1e-6 * (Math.sin(y) - 0.3 * y);
        return y;
    }

    /** A call-free loop (taped) over rows that are fresh arrays, which throws past a limit. */
    @Differentiable
    static double rowsUntil(double[] x, double limit) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double[] row = {x[i], x[i] * x[i]};
            s += row[0] * row[1];
            if (s > limit) throw new IllegalStateException("past the limit at " + i);
        }
        return s;
    }

    @Differentiable
    static double recursiveSum(double x, int n) {
        return n == 0 ? 0 : x * 1e-5 + Math.sin(x) * 1e-5 + recursiveSum(x, n - 1);
    }

    static double[] rotateAndSquare(double[] x) {
        return new double[] {x[0] * x[1], Math.sin(x[0]) + x[2] * x[2], x[1] - x[2]};
    }

    @Test
    void derivativeOfALambdaIsExact() {
        for (double x : new double[] {-1.3, 0, 0.7, 2.5}) {
            assertEquals(Math.sin(x) + x * Math.cos(x), AD.derivative(t -> t * Math.sin(t), x), 1e-14);
        }
    }

    @Test
    void gradientWithCapturedDataMatchesFiniteDifferences() {
        double[][] xs = {{1, 2, -0.5}, {0.5, -1, 2}, {-1, 0.3, 0.1}, {2, 1, 1}};
        double[] ys = {1, 0, 1, 0};
        double[] w = {0.1, -0.2, 0.3};
        ValueAndGradient vg = AD.valueAndGradient(v -> logistic(v, xs, ys), w);
        assertEquals(logistic(w, xs, ys), vg.value(), 1e-15);
        for (int j = 0; j < w.length; j++) {
            double[] p = w.clone(), m = w.clone();
            p[j] += 1e-6;
            m[j] -= 1e-6;
            assertEquals((logistic(p, xs, ys) - logistic(m, xs, ys)) / 2e-6, vg.gradient()[j], 1e-8);
        }
        assertArrayEquals(new double[] {0.1, -0.2, 0.3}, w, "the input array is not replaced or changed");
    }

    @Test
    void aMillionIterationLoopNeedsNoJvmFlags() {
        int n = 1_000_000;
        double x = 0.4;
        double g = AD.derivative(t -> longLoop(t, n), x);
        double h = 1e-5;
        assertEquals((longLoop(x + h, n) - longLoop(x - h, n)) / (2 * h), g, 1e-6);
    }

    @Test
    void aGradientAfterOneThatThrewInsideALoopIsRight() {
        double[] x = {0.5, -0.75, 1.25, 0.25};
        for (int round = 0; round < 3; round++) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> AD.gradient(v -> rowsUntil(v, 1.0), x));
            assertEquals("past the limit at 2", e.getMessage());
            double[] g = AD.gradient(v -> rowsUntil(v, 100), x);
            for (int i = 0; i < x.length; i++) assertEquals(3 * x[i] * x[i], g[i], 1e-12);
        }
    }

    /** A recursion (always run on a worker) that throws at its bottom. */
    @Differentiable
    static double recursesThenThrows(double x, int n) {
        if (n == 0) throw new IllegalArgumentException("bottom reached at " + x);
        return Math.sin(x) + recursesThenThrows(x, n - 1);
    }

    /**
     * What the function throws on a worker keeps its own stack and also shows where the gradient
     * was asked for — this test method — once, however often the same exception is thrown.
     */
    @Test
    void anExceptionThrownOnAWorkerNamesTheCallOfAD() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AD.derivative(x -> recursesThenThrows(x, 50), 0.5));
        assertEquals("bottom reached at 0.5", e.getMessage());
        assertTrue(e.getStackTrace()[0].getClassName().contains("recursesThenThrows"), () -> e.getStackTrace()[0].toString());
        assertEquals(1, e.getSuppressed().length);
        boolean namesThisTest = java.util.Arrays.stream(e.getSuppressed()[0].getStackTrace())
                .anyMatch(f -> f.getMethodName().contains("anExceptionThrownOnAWorkerNamesTheCallOfAD"));
        assertTrue(namesThisTest, () -> java.util.Arrays.toString(e.getSuppressed()[0].getStackTrace()));
    }

    @Test
    void aZeroGradientIsPlusZero() {
        // adjoints that start at zero take their first contribution as it is (KnownZeros), and
        // -1 * 0.0 is -0.0: users still get 0.0 (assertEquals compares the bits)
        double[] g = AD.gradient(v -> -(v[0] * 0.0) + v[1], new double[] {2, 3});
        assertEquals(0.0, g[0]);
        assertEquals(1.0, g[1]);
        assertEquals(0.0, AD.derivative(t -> -(t * 0.0), 1.5));
    }

    @Test
    void deepRecursion() {
        double x = 0.3;
        int n = 50_000;
        assertEquals(n * 1e-5 * (1 + Math.cos(x)), AD.derivative(t -> recursiveSum(t, n), x), 1e-9);
    }

    @Test
    void jacobianAndVectorJacobianProduct() {
        double[] x = {1, 2, 3};
        double[][] j = AD.jacobian(ADEndToEndTest::rotateAndSquare, x);
        double[][] expected = {{2, 1, 0}, {Math.cos(1), 0, 6}, {0, 1, -1}};
        for (int i = 0; i < 3; i++) assertArrayEquals(expected[i], j[i], 1e-14);
        double[] seed = {0.5, -1, 2};
        double[] vjp = AD.vjp(ADEndToEndTest::rotateAndSquare, x, seed);
        for (int c = 0; c < 3; c++) {
            double e = 0;
            for (int r = 0; r < 3; r++) e += seed[r] * expected[r][c];
            assertEquals(e, vjp[c], 1e-14);
        }
        assertArrayEquals(new double[] {1, 2, 3}, x);
    }

    @Differentiable
    static double[] residualsOrNull(double[] p) {
        if (p[0] < 0) return null; // "no result", as some code signals it
        return new double[] {p[0] * p[1], p[1]};
    }

    @Test
    void aFunctionReturningNullInsteadOfItsOutputsIsNamed() {
        for (java.util.function.Supplier<Object> call : List.<java.util.function.Supplier<Object>>of(
                () -> AD.jacobian(ADEndToEndTest::residualsOrNull, new double[] {-1, 2}),
                () -> AD.vjp(ADEndToEndTest::residualsOrNull, new double[] {-1, 2}, new double[] {1, 1}))) {
            org.grad4j.GradientException e = assertThrows(org.grad4j.GradientException.class, call::get);
            assertTrue(e.getMessage().contains("the function returned null where its array of outputs is needed"), e.getMessage());
        }
        // seed (1, 1): d(p0 p1 + p1) = (p1, p0 + 1)
        assertArrayEquals(new double[] {2, 2}, AD.vjp(ADEndToEndTest::residualsOrNull, new double[] {1, 2}, new double[] {1, 1}), 0);
    }

    @Test
    void methodApiGivesOneGradientPerParameter() throws Exception {
        Gradients g = AD.gradient(ADEndToEndTest.class.getDeclaredMethod("recursiveSum", double.class, int.class), null, 0.5, 10);
        assertEquals(10 * 1e-5 * (1 + Math.cos(0.5)), (Double) g.get(0), 1e-14);
        assertEquals(null, g.get(1));
    }

    @Differentiable
    static double scaledByBoxed(Number scale, double x, Double offset, double y) {
        return scale.doubleValue() * x * x + offset * y + 5 * y;
    }

    /** Boxed parameters have adjoint registers of their own: the double parameters after them must not get their neighbours' adjoints. */
    @Test
    void methodApiWithBoxedParametersGivesEachDoubleItsOwnGradient() throws Exception {
        Gradients g = AD.gradient(ADEndToEndTest.class.getDeclaredMethod("scaledByBoxed", Number.class, double.class,
                Double.class, double.class), null, 3, 0.7, 2.0, 1.5);
        assertEquals(0.7 * 0.7, (Double) g.get(0), 1e-14); // boxed parameters get their gradients too
        assertEquals(2 * 3 * 0.7, (Double) g.get(1), 1e-14);
        assertEquals(1.5, (Double) g.get(2), 1e-14);
        assertEquals(2.0 + 5, (Double) g.get(3), 1e-14);
        assertEquals(3 * 0.7 * 0.7 + 2.0 * 1.5 + 5 * 1.5, g.value(), 1e-14);
    }

    /** A lambda capturing a boxed value: the capture is a parameter of its body, with a register before the argument's. */
    @Test
    void derivativeOfALambdaCapturingABoxedValue() {
        Double k = 3.0;
        Number n = 4;
        double c = 1.5;
        assertEquals(2 * 3 * 0.7, AD.derivative(x -> k * x * x, 0.7), 1e-14);
        assertEquals(2 * 4 * 0.7, AD.derivative(x -> n.doubleValue() * x * x, 0.7), 1e-14);
        assertEquals(2 * 4.5 * 0.7, AD.derivative(x -> c * k * x * x, 0.7), 1e-14);
    }

    @Test
    void manyThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                results.add(pool.submit((Callable<Boolean>) () -> {
                    for (int i = 0; i < 500; i++) {
                        double x = seed + i * 1e-3;
                        double d = (seed % 2 == 0)
                                ? AD.derivative(v -> v * v * v, x)
                                : AD.derivative(v -> recursiveSum(v, 20), x);
                        double expected = seed % 2 == 0 ? 3 * x * x : 20 * 1e-5 * (1 + Math.cos(x));
                        if (Math.abs(d - expected) > 1e-9 * Math.max(1, Math.abs(expected))) return false;
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) assertEquals(true, f.get());
        } finally {
            pool.shutdownNow();
        }
    }

    static double throwsWhenNegative(double x) {
        if (x < 0) throw new IllegalStateException("negative " + x);
        return x * 2;
    }

    @Test
    void anExceptionReachesTheCallerWithItsTypeAndTheRuntimeStaysUsable() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AD.derivative(ADEndToEndTest::throwsWhenNegative, -1));
        assertEquals("negative -1.0", e.getMessage());
        assertEquals(2.0, AD.derivative(ADEndToEndTest::throwsWhenNegative, 1), 0);
        assertSame(IllegalStateException.class, e.getClass());
    }

    /** Reads a[i] in every iteration of the inner loop, which writes b: the same array when called as mixes(v, v). */
    static double mixes(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                s += a[i] * b[j] * 0.25;
                b[j] = b[j] * 0.9 + s * 0.01;
            }
        }
        return s;
    }

    @Test
    void anInnerLoopWritingTheArrayItReadsThroughAnotherNameMatchesFiniteDifferences() {
        double[] x = {0.3, -0.7, 1.1, 0.5};
        double[] g = AD.gradient(v -> mixes(v, v), x.clone()); // mixes writes its argument
        for (int j = 0; j < x.length; j++) {
            double[] p = x.clone(), m = x.clone();
            p[j] += 1e-6;
            m[j] -= 1e-6;
            assertEquals((mixes(p, p) - mixes(m, m)) / 2e-6, g[j], 1e-6, "x[" + j + "]");
        }
        double[] a = {0.3, -0.7};
        double[] ga = AD.gradient(v -> mixes(v, new double[] {1.1, 0.5, -0.2}), a); // two arrays: a[i] read once per loop
        for (int j = 0; j < a.length; j++) {
            double[] p = a.clone(), m = a.clone();
            p[j] += 1e-6;
            m[j] -= 1e-6;
            assertEquals((mixes(p, new double[] {1.1, 0.5, -0.2}) - mixes(m, new double[] {1.1, 0.5, -0.2})) / 2e-6,
                    ga[j], 1e-6, "a[" + j + "]");
        }
    }

    /** An explicit finite-difference heat equation stepped in place, as issue 3 asks: 10,000 steps. */
    static double heat(double[] u0, double alpha, int steps) {
        double[] u = u0.clone();
        double[] next = new double[u.length];
        for (int t = 0; t < steps; t++) {
            for (int i = 1; i + 1 < u.length; i++) next[i] = u[i] + alpha * (u[i - 1] - 2 * u[i] + u[i + 1]);
            next[0] = u[0];
            next[u.length - 1] = u[u.length - 1];
            double[] swap = u;
            u = next;
            next = swap;
        }
        double s = 0;
        for (int i = 0; i < u.length; i++) s += u[i] * u[i] * (i + 1);
        return s;
    }

    @Test
    void heatEquationOverTenThousandStepsMatchesFiniteDifferences() {
        double[] u0 = {0, 0.2, 0.9, 1.0, 0.7, 0.3, 0.1, 0};
        int steps = 10_000;
        double[] g = AD.gradient(u -> heat(u, 0.01, steps), u0);
        for (int j = 0; j < u0.length; j++) {
            double[] p = u0.clone(), m = u0.clone();
            p[j] += 1e-6;
            m[j] -= 1e-6;
            assertEquals((heat(p, 0.01, steps) - heat(m, 0.01, steps)) / 2e-6, g[j], 1e-6, "u0[" + j + "]");
        }
        assertEquals(0.9, u0[2], 0, "the input is not changed");
    }
}
