package org.grad4j.benchmarks.kernels;

import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.benchmarks.Kernel;

/**
 * A long simulation loop: a Duffing oscillator ({@code x'' = -k x - c x' - 0.1 x^3}) integrated
 * with semi-implicit Euler, fitted to an observed trajectory. Parameters {@code k, c, x0, v0};
 * one loop iteration per time step, each carrying {@code x}, {@code v} and the loss.
 */
public final class Simulation {
    private Simulation() {}

    @Differentiable
    public static double loss(double[] p, double[] observed, double h) {
        double k = p[0];
        double c = p[1];
        double x = p[2];
        double v = p[3];
        double s = 0;
        for (int t = 0; t < observed.length; t++) {
            double a = -k * x - c * v - 0.1 * x * x * x;
            v += h * a;
            x += h * v;
            double e = x - observed[t];
            s += e * e;
        }
        return s * h;
    }

    /** The oscillator's state, as code written with records keeps it. */
    record State(double x, double v) {
        State step(double k, double c, double h) {
            double a = -k * x - c * v - 0.1 * x * x * x;
            double next = v + h * a;
            return new State(x + h * next, next);
        }
    }

    /**
     * The same loss written with a record for the state: grad4j replaces the records by their
     * fields ({@code ValueObjects}), so this should cost what {@link #loss} costs.
     */
    @Differentiable
    public static double lossWithRecords(double[] p, double[] observed, double h) {
        State s = new State(p[2], p[3]);
        double sum = 0;
        for (int t = 0; t < observed.length; t++) {
            s = s.step(p[0], p[1], h);
            double e = s.x() - observed[t];
            sum += e * e;
        }
        return sum * h;
    }

    /** Hand-written adjoint: the forward pass keeps the trajectory on a heap tape, the reverse pass walks it back. */
    public static double[] gradient(double[] p, double[] observed, double h) {
        int steps = observed.length;
        double k = p[0];
        double c = p[1];
        double[] xs = new double[steps + 1];
        double[] vs = new double[steps + 1];
        xs[0] = p[2];
        vs[0] = p[3];
        for (int t = 0; t < steps; t++) {
            double x = xs[t];
            double v = vs[t];
            double a = -k * x - c * v - 0.1 * x * x * x;
            v += h * a;
            xs[t + 1] = x + h * v;
            vs[t + 1] = v;
        }
        double dk = 0, dc = 0, dx = 0, dv = 0;
        for (int t = steps - 1; t >= 0; t--) {
            double xOld = xs[t];
            double vOld = vs[t];
            // s += e^2 (scaled by h at the end), e = x_{t+1} - observed[t]
            dx += 2 * h * (xs[t + 1] - observed[t]);
            // x_{t+1} = xOld + h v_{t+1}
            dv += h * dx;
            // v_{t+1} = vOld + h a
            double da = h * dv;
            // a = -k xOld - c vOld - 0.1 xOld^3
            dk -= da * xOld;
            dc -= da * vOld;
            dx = dx - da * (k + 0.3 * xOld * xOld);
            dv = dv - da * c;
        }
        return new double[] {dk, dc, dx, dv};
    }

    public static class Problem implements Kernel {
        final double[] observed;
        final double h = 1e-3;

        public Problem(int steps) {
            observed = new double[steps];
            for (int t = 0; t < steps; t++) observed[t] = Math.cos(1.1 * t * h) * Math.exp(-0.02 * t * h);
        }

        @Override public String name() { return "simulation"; }

        @Override
        public String description() {
            return "simulation loop, " + String.format("%,d", observed.length) + " steps";
        }

        @Override public double[] point() { return new double[] {1.0, 0.05, 0.9, 0.1}; }
        @Override public double value(double[] p) { return loss(p, observed, h); }
        @Override public double[] manualGradient(double[] p) { return gradient(p, observed, h); }

        @Override
        public double[] grad4jGradient(double[] p) {
            double[] obs = observed;
            double step = h;
            return AD.gradient(q -> loss(q, obs, step), p);
        }
    }

    /** The same problem written with a record for the state ({@link #lossWithRecords}); the same hand-written adjoint. */
    public static final class WithRecords extends Problem {
        public WithRecords(int steps) {
            super(steps);
        }

        @Override public String name() { return "simulation-records"; }

        @Override
        public String description() {
            return "the simulation loop with a record State(x, v), " + String.format("%,d", observed.length) + " steps";
        }

        @Override public double value(double[] p) { return lossWithRecords(p, observed, h); }

        @Override
        public double[] grad4jGradient(double[] p) {
            double[] obs = observed;
            double step = h;
            return AD.gradient(q -> lossWithRecords(q, obs, step), p);
        }
    }
}
