package org.grad4j.benchmarks.kernels;

import java.util.stream.IntStream;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.benchmarks.Kernel;

/** The extended Rosenbrock function: one loop over an array. */
public final class Rosenbrock {
    private Rosenbrock() {}

    /** sum over i of 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2. */
    @Differentiable
    public static double value(double[] x) {
        double s = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            double a = x[i + 1] - x[i] * x[i];
            double b = 1 - x[i];
            s += 100 * a * a + b * b;
        }
        return s;
    }

    /** The same function written with a stream, as much Java code writes sums (grad4j runs it as a loop). */
    @Differentiable
    public static double streamed(double[] x) {
        return IntStream.range(0, x.length - 1).mapToDouble(i -> {
            double a = x[i + 1] - x[i] * x[i];
            double b = 1 - x[i];
            return 100 * a * a + b * b;
        }).sum();
    }

    /** Hand-written adjoint: forward and reverse fused into one loop (each term is independent). */
    public static double[] gradient(double[] x) {
        double[] g = new double[x.length];
        for (int i = 0; i + 1 < x.length; i++) {
            double xi = x[i];
            double a = x[i + 1] - xi * xi;
            double b = 1 - xi;
            g[i] += -400 * a * xi - 2 * b;
            g[i + 1] += 200 * a;
        }
        return g;
    }

    public static class Problem implements Kernel {
        final double[] x;

        public Problem(int n) {
            x = new double[n];
            for (int i = 0; i < n; i++) x[i] = 0.5 + 0.4 * Math.sin(0.37 * i);
        }

        @Override public String name() { return "rosenbrock"; }
        @Override public String description() { return "Rosenbrock, n = " + String.format("%,d", x.length); }
        @Override public double[] point() { return x.clone(); }
        @Override public double value(double[] p) { return Rosenbrock.value(p); }
        @Override public double[] manualGradient(double[] p) { return Rosenbrock.gradient(p); }
        @Override public double[] grad4jGradient(double[] p) { return AD.gradient(Rosenbrock::value, p); }
    }

    /** The stream form: its primal is the JDK's stream (compensated sum), its manual column the loop's adjoint. */
    public static final class Streamed extends Problem {
        public Streamed(int n) {
            super(n);
        }

        @Override public String name() { return "rosenbrock-streams"; }
        @Override public String description() { return "Rosenbrock as an IntStream pipeline, n = " + String.format("%,d", x.length); }
        @Override public double value(double[] p) { return Rosenbrock.streamed(p); }
        @Override public double[] grad4jGradient(double[] p) { return AD.gradient(Rosenbrock::streamed, p); }
    }
}
