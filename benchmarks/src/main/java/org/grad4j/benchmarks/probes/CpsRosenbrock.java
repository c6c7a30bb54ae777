package org.grad4j.benchmarks.probes;

/**
 * The Rosenbrock gradient in the shape grad4j generates, written by hand (no grad4j): one frame
 * per four iterations holding their saved values in locals, the rest of the loop called from the
 * frame, the reverse of the four iterations after it returns, the adjoint of the running sum
 * handed back in a field. A lower bound for what a loop in CPS can cost on this kernel
 * ({@code Probes cps}, docs/BENCHMARKS.md). The four iterations and their early exits are written
 * out on purpose: that is the shape of the strip-mined code being modelled.
 */
final class CpsRosenbrock {
    private double adjoint; // the adjoint register: the adjoint of s handed back by the callee

    static double[] gradient(double[] x) {
        double[] g = new double[x.length];
        new CpsRosenbrock().loop(x, g, 0, 0);
        return g;
    }

    private void loop(double[] x, double[] g, double s, int i) {
        int n = x.length;
        if (i + 1 >= n) {
            adjoint = 1; // the output's adjoint
            return;
        }
        double x0 = x[i];
        double a0 = x[i + 1] - x0 * x0;
        double b0 = 1 - x0;
        s += 100 * a0 * a0 + b0 * b0;
        if (i + 2 >= n) {
            adjoint = 1;
            term(g, i, x0, a0, b0, 1);
            return;
        }
        double x1 = x[i + 1];
        double a1 = x[i + 2] - x1 * x1;
        double b1 = 1 - x1;
        s += 100 * a1 * a1 + b1 * b1;
        if (i + 3 >= n) {
            adjoint = 1;
            term(g, i + 1, x1, a1, b1, 1);
            term(g, i, x0, a0, b0, 1);
            return;
        }
        double x2 = x[i + 2];
        double a2 = x[i + 3] - x2 * x2;
        double b2 = 1 - x2;
        s += 100 * a2 * a2 + b2 * b2;
        if (i + 4 >= n) {
            adjoint = 1;
            term(g, i + 2, x2, a2, b2, 1);
            term(g, i + 1, x1, a1, b1, 1);
            term(g, i, x0, a0, b0, 1);
            return;
        }
        double x3 = x[i + 3];
        double a3 = x[i + 4] - x3 * x3;
        double b3 = 1 - x3;
        s += 100 * a3 * a3 + b3 * b3;
        loop(x, g, s, i + 4);
        double d = adjoint;
        term(g, i + 3, x3, a3, b3, d);
        term(g, i + 2, x2, a2, b2, d);
        term(g, i + 1, x1, a1, b1, d);
        term(g, i, x0, a0, b0, d);
        adjoint = d;
    }

    /** The reverse of one term 100 a² + b², a = x[i+1] − x[i]², b = 1 − x[i]. */
    private static void term(double[] g, int i, double xi, double a, double b, double d) {
        double da = 200 * a * d;
        g[i + 1] += da;
        g[i] += -2 * xi * da - 2 * b * d;
    }
}
