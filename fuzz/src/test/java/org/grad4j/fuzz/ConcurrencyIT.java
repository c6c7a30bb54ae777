package org.grad4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.Gradients;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 8 threads × 10,000 gradient calls of the same and of different functions at once — started
 * together, so that the first requests for each function race to generate its code — each result
 * checked against its analytic gradient.
 */
class ConcurrencyIT {
    static final int THREADS = 8;
    static final int CALLS = 10_000;

    @BeforeAll
    static void agent() {
        AD.install();
    }

    @Differentiable
    static double cubic(double x) {
        return x * x * x;
    }

    @Differentiable
    static double seriesLoop(double x, int n) {
        double s = 0, p = 1;
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) s += p * Math.sin(x); else s -= p;
            p = p * x;
        }
        return s;
    }

    static double seriesDerivative(double x, int n) {
        double d = 0;
        for (int i = 0; i < n; i++) {
            double p = Math.pow(x, i), dp = i == 0 ? 0 : i * Math.pow(x, i - 1);
            d += i % 2 == 0 ? dp * Math.sin(x) + p * Math.cos(x) : -dp;
        }
        return d;
    }

    @Differentiable
    static double recursive(double x, int n) {
        return n == 0 ? Math.cos(x) : x * 0.5 + recursive(x, n - 1);
    }

    /** Σ w_i² · sin(w_{i+1}), updating a local copy in place. */
    static double chain(double[] w) {
        double[] t = w.clone();
        double s = 0;
        for (int i = 0; i < t.length - 1; i++) {
            t[i] *= t[i];
            s += t[i] * Math.sin(t[i + 1]);
        }
        return s;
    }

    static double[] chainGradient(double[] w) {
        double[] g = new double[w.length];
        for (int i = 0; i < w.length - 1; i++) {
            g[i] += 2 * w[i] * Math.sin(w[i + 1]);
            g[i + 1] += w[i] * w[i] * Math.cos(w[i + 1]);
        }
        return g;
    }

    interface Shape {
        double area(double s);
    }

    static final class Square implements Shape {
        public double area(double s) {
            return s * s;
        }
    }

    static final class Circle implements Shape {
        public double area(double r) {
            return Math.PI * r * r;
        }
    }

    static final Shape[] SHAPES = {new Square(), new Circle()};

    @Differentiable
    static double shapes(double s, int which) {
        return SHAPES[which].area(s) + s;
    }

    /** One call of function {@code f} at a point depending on (thread, i); true when the gradient is right. */
    static boolean callAndCheck(int f, int thread, int i) throws Exception {
        double x = 0.3 + 0.001 * ((thread * 7919 + i) % 997);
        switch (f) {
            case 0 -> {
                return close(AD.derivative(ConcurrencyIT::cubic, x), 3 * x * x);
            }
            case 1 -> {
                int n = 1 + i % 6;
                return close(AD.derivative(v -> seriesLoop(v, n), x), seriesDerivative(x, n));
            }
            case 2 -> {
                int n = i % 9;
                return close(AD.derivative(v -> recursive(v, n), x), n * 0.5 - Math.sin(x));
            }
            case 3 -> {
                double[] w = {x, -x, 2 * x, 0.5};
                double[] g = AD.gradient(ConcurrencyIT::chain, w);
                double[] e = chainGradient(w);
                for (int k = 0; k < w.length; k++) if (!close(g[k], e[k])) return false;
                return true;
            }
            default -> {
                int which = i % 2;
                Gradients g = AD.gradient(ConcurrencyIT.class.getDeclaredMethod("shapes", double.class, int.class), null, x, which);
                double e = (which == 0 ? 2 * x : 2 * Math.PI * x) + 1;
                return close((Double) g.get(0), e);
            }
        }
    }

    static boolean close(double got, double expected) {
        return Math.abs(got - expected) <= 1e-12 * Math.max(1, Math.abs(expected));
    }

    @Test
    void eightThreadsTenThousandCallsEachSameAndDifferentFunctions() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        AtomicInteger wrong = new AtomicInteger();
        List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await(); // every thread asks for not-yet-generated functions at the same moment
                    int done = 0;
                    for (int i = 0; i < CALLS; i++) {
                        // threads 0–3 each stay on one function, 4–7 rotate over all five: the same function
                        // from many threads, and different functions at once
                        int f = thread < 4 ? thread : (thread + i) % 5;
                        try {
                            if (!callAndCheck(f, thread, i)) {
                                wrong.incrementAndGet();
                                if (firstErrors.size() < 5) firstErrors.add("function " + f + " thread " + thread + " call " + i);
                            }
                        } catch (Throwable e) {
                            wrong.incrementAndGet();
                            if (firstErrors.size() < 5) firstErrors.add("function " + f + ": " + e);
                        }
                        done++;
                    }
                    return done;
                }));
            }
            int total = 0;
            for (Future<Integer> r : results) total += r.get(5, TimeUnit.MINUTES);
            assertEquals(THREADS * CALLS, total);
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("concurrency: %d threads × %d gradient calls in %.1f s (%.1f µs per call), %d wrong%n",
                THREADS, CALLS, seconds, seconds * 1e6 / (THREADS * CALLS), wrong.get());
        assertEquals(0, wrong.get(), "wrong or failed gradients: " + firstErrors);
        assertTrue(Thread.activeCount() < 200, "no thread leak: " + Thread.activeCount() + " threads");
    }

    /**
     * 40 random programs (never differentiated before), checked by 8 threads at once, each in its
     * own order: the first requests for every program's code race; every check must end as it
     * does alone, which for these programs is PASS, REFUSED or DEGENERATE, never FAIL.
     */
    @Test
    void randomProgramsFromEightThreadsAtOnce() throws Exception {
        int programs = 40;
        java.util.Map<String, String> sources = new java.util.LinkedHashMap<>();
        for (int i = 0; i < programs; i++) {
            org.grad4j.fuzz.gen.Program p = org.grad4j.fuzz.gen.Generator.generate("C" + i,
                    org.grad4j.fuzz.run.Campaign.programSeed(4242, i));
            sources.put(p.className(), org.grad4j.fuzz.gen.Emitter.emit(p).text());
        }
        java.util.Map<String, byte[]> classes = new org.grad4j.fuzz.run.InMemoryCompiler(Differentiable.class,
                org.grad4j.fuzz.oracle.D.class).compile(org.grad4j.fuzz.gen.Emitter.PACKAGE, sources);
        ClassLoader loader = new org.grad4j.fuzz.run.InMemoryCompiler.MemoryLoader(getClass().getClassLoader(), classes);
        List<String> names = new ArrayList<>(sources.keySet());
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CyclicBarrier start = new CyclicBarrier(THREADS);
        java.util.concurrent.ConcurrentHashMap<String, java.util.Set<String>> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                List<String> order = new ArrayList<>(names);
                java.util.Collections.shuffle(order, new java.util.Random(t));
                done.add(pool.submit(() -> {
                    start.await();
                    for (String n : order) {
                        org.grad4j.fuzz.run.Check.Result r = org.grad4j.fuzz.run.Check.run(
                                Class.forName(org.grad4j.fuzz.gen.Emitter.PACKAGE + "." + n, true, loader),
                                Class.forName(org.grad4j.fuzz.gen.Emitter.PACKAGE + "." + n + "Dual", true, loader));
                        outcomes.computeIfAbsent(n, k -> java.util.concurrent.ConcurrentHashMap.newKeySet())
                                .add(r.status() + (r.status() == org.grad4j.fuzz.run.Check.Status.PASS ? "" : " " + r));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(5, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        int pass = 0;
        for (String n : names) {
            java.util.Set<String> seen = outcomes.get(n);
            assertEquals(1, seen.size(), n + " ended differently on different threads: " + seen);
            String only = seen.iterator().next();
            assertTrue(!only.startsWith("FAIL") && !only.startsWith("INVALID"), n + ": " + only);
            if (only.equals("PASS")) pass++;
        }
        System.out.printf("concurrency: %d random programs × %d threads at once: %d pass, %d refused or degenerate, the same on every thread%n",
                programs, THREADS, pass, programs - pass);
    }
}
