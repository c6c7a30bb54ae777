package org.grad4j.benchmarks.probes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.grad4j.benchmarks.Kernel;
import org.grad4j.benchmarks.kernels.Gmm;
import org.grad4j.benchmarks.kernels.Simulation;

/**
 * Two quick experiments behind the findings in docs/BENCHMARKS.md (not JMH; best of repeated calls).
 *
 * <pre>
 * # how the cost per gradient grows with the depth of the CPS stack (needs the agent)
 * java -Dgrad4j.workers=1 -Dgrad4j.stack=8g -javaagent:agent/target/grad4j-agent.jar \
 *     -cp benchmarks/target/grad4j-benchmarks.jar org.grad4j.benchmarks.probes.Probes depth
 * # the same effect in plain Java: deep recursion with small and with large frames (no agent)
 * java -cp benchmarks/target/grad4j-benchmarks.jar org.grad4j.benchmarks.probes.Probes recursion
 * # Rosenbrock's gradient in CPS written by hand (no grad4j), against the primal and the fused adjoint
 * java -cp benchmarks/target/grad4j-benchmarks.jar org.grad4j.benchmarks.probes.Probes cps
 * # the stack the GMM benchmark's gradient touches, against the stack grad4j reserves for it
 * java -Dgrad4j.workers=1 -Dgrad4j.stack=4g -javaagent:agent/target/grad4j-agent.jar \
 *     -cp benchmarks/target/grad4j-benchmarks.jar org.grad4j.benchmarks.probes.Probes stack
 * </pre>
 */
public final class Probes {
    private Probes() {}

    public static void main(String[] args) throws IOException {
        String what = args.length > 0 ? args[0] : "depth";
        switch (what) {
            case "depth" -> depth();
            case "recursion" -> recursion();
            case "stack" -> stack();
            case "cps" -> cps();
            default -> throw new IllegalArgumentException("Probes depth|recursion|stack|cps");
        }
    }

    private static void depth() {
        System.out.println("kernel                     primal ms   grad4j ms   ratio   grad4j per unit");
        for (int n : new int[] {10, 30, 100, 300}) {
            probe("GMM d10 K25 n=" + n, Gmm.Problem.generated(10, 25, n, 1), n, "point");
        }
        for (int steps : new int[] {10_000, 30_000, 100_000, 300_000}) {
            probe("simulation " + steps, new Simulation.Problem(steps), steps, "step");
        }
    }

    private static void probe(String name, Kernel k, int units, String unit) {
        double[] x = k.point();
        double grad = best(() -> k.grad4jGradient(x));
        double primal = best(() -> k.value(x));
        System.out.printf("%-26s %9.3f %11.3f %7.1f   %,.0f ns/%s%n", name, primal / 1e6, grad / 1e6, grad / primal,
                grad / units, unit);
    }

    /**
     * The stack a gradient of the benchmark's GMM instance touches: minor page faults of the
     * first call on a fresh worker, times 4 KiB (run with {@code -Dgrad4j.workers=1}).
     */
    private static void stack() throws IOException {
        Kernel k = Gmm.Problem.adbench("gmm_1k_gmm_d10_K25.txt");
        double[] x = k.point();
        for (int i = 0; i < 3; i++) {
            long f0 = minorFaults();
            long t = System.nanoTime();
            k.grad4jGradient(x);
            System.out.printf("GMM d10 K25 n=1000, call %d: %.0f ms, %.0f MiB of new pages%n", i, (System.nanoTime() - t) / 1e6,
                    (minorFaults() - f0) * 4096.0 / (1 << 20));
        }
    }

    /** Best time of repeated calls in ns, for at least 2 s and 5 calls. */
    private static double best(Runnable r) {
        long best = Long.MAX_VALUE;
        long start = System.nanoTime();
        for (int i = 0; i < 5 || System.nanoTime() - start < 2_000_000_000L; i++) {
            long t = System.nanoTime();
            r.run();
            best = Math.min(best, System.nanoTime() - t);
        }
        return best;
    }

    private static long minorFaults() throws IOException {
        String s = Files.readString(Path.of("/proc/self/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[7]);
    }

    /** The hand-written CPS Rosenbrock gradient (on a thread with a large stack), per element. */
    private static void cps() {
        onDeepThread(1L << 30, () -> {
            System.out.println("n            primal ns/el   fused adjoint ns/el   CPS by hand ns/el   CPS / primal");
            for (int n : new int[] {1_000, 10_000, 100_000}) {
                double[] x = new org.grad4j.benchmarks.kernels.Rosenbrock.Problem(n).point();
                double[] sink = new double[1];
                double primal = best(() -> sink[0] += org.grad4j.benchmarks.kernels.Rosenbrock.value(x)) / n;
                double fused = best(() -> sink[0] += org.grad4j.benchmarks.kernels.Rosenbrock.gradient(x)[0]) / n;
                double cps = best(() -> sink[0] += CpsRosenbrock.gradient(x)[0]) / n;
                System.out.printf("%,9d %15.2f %21.2f %19.2f %14.1f%s%n", n, primal, fused, cps, cps / primal,
                        sink[0] == 42 ? " " : "");
            }
        });
    }

    /** Runs {@code r} on a thread with a stack of {@code bytes} and waits for it. */
    private static void onDeepThread(long bytes, Runnable r) {
        Thread t = new Thread(null, r, "deep", bytes);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- plain Java: the cost of a frame as the stack outgrows the caches ----

    static double small(int i, int n, double x, double[] a) {
        if (i == n) return x;
        double y = x * 0.999 + a[i & 1023];
        double d = small(i + 1, n, y, a);
        return d * 0.999 + y * 1e-9;
    }

    /** The same work, with 18 more values passed through every frame, as a CPS loop function carries its invariants. */
    static double large(int i, int n, double x, double[] a, double[] b, double[] c, double[] e, double[] f, double[] g,
            double[] h, double p, double q, double r, double s, double t, int u, int v, int w, int z, Object o1, Object o2,
            Object o3) {
        if (i == n) return x;
        double y = x * 0.999 + a[i & 1023];
        double d = large(i + 1, n, y, a, b, c, e, f, g, h, p, q, r, s, t, u, v, w, z, o1, o2, o3);
        return d * 0.999 + y * 1e-9 + (b[i & 1023] + c[u] + e[v] + f[w] + g[z] + h[0]) * p * q * r * s * t
                + (o1 == o2 ? 1 : 0) + (o3 == null ? 0 : 1);
    }

    private static void recursion() {
        onDeepThread(4L << 30, () -> {
            double[] a = new double[1024];
            System.out.println("depth      small frame ns/frame   large frame ns/frame");
            for (int n : new int[] {1_000, 10_000, 100_000, 300_000, 1_000_000}) {
                double[] sink = new double[1];
                double s = best(() -> sink[0] += small(0, n, 1, a)) / n;
                double l = best(() -> sink[0] += large(0, n, 1, a, a, a, a, a, a, a, 1, 1, 1, 1, 1, 0, 0, 0, 0, a, a, a)) / n;
                System.out.printf("%,9d %16.1f %22.1f%s%n", n, s, l, sink[0] == 42 ? " " : "");
            }
        });
    }
}
