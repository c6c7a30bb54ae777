package org.grad4j.benchmarks.kernels;

import java.util.Random;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.benchmarks.Kernel;

/**
 * A gravitational n-body simulation written with objects, as Java developers write it: a {@code
 * Body} class (not final, its methods virtual) in a {@code Body[]} made in the method, each pair
 * pulling on each other ({@code bodies[i].attract(bodies[j], dt)}), then each body moving
 * (semi-implicit Euler). The result is the system's energy after the last step; the gradient is
 * with respect to the bodies' starting positions. grad4j replaces the array by an array per
 * field ({@code MutableObjects}); the hand-written adjoint works on arrays of doubles.
 */
public final class NBody {
    private NBody() {}

    /** Softening: keeps close encounters finite. */
    static final double SOFTENING = 0.01;

    static class Body {
        double x;
        double y;
        double vx;
        double vy;
        final double mass;

        Body(double x, double y, double mass) {
            this.x = x;
            this.y = y;
            this.mass = mass;
        }

        void attract(Body other, double dt) {
            double dx = other.x - x;
            double dy = other.y - y;
            double d2 = dx * dx + dy * dy + SOFTENING;
            double f = dt / (d2 * Math.sqrt(d2));
            vx += dx * f * other.mass;
            vy += dy * f * other.mass;
            other.vx -= dx * f * mass;
            other.vy -= dy * f * mass;
        }

        void move(double dt) {
            x += vx * dt;
            y += vy * dt;
        }
    }

    /** The energy after {@code steps} steps of bodies starting at rest at {@code (p[2i], p[2i+1])}. */
    @Differentiable
    public static double energy(double[] p, double[] masses, int steps, double dt) {
        int n = masses.length;
        Body[] bodies = new Body[n];
        for (int i = 0; i < n; i++) bodies[i] = new Body(p[2 * i], p[2 * i + 1], masses[i]);
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) bodies[i].attract(bodies[j], dt);
            }
            for (Body b : bodies) b.move(dt);
        }
        double e = 0;
        for (int i = 0; i < n; i++) {
            Body a = bodies[i];
            e += 0.5 * a.mass * (a.vx * a.vx + a.vy * a.vy);
            for (int j = i + 1; j < n; j++) {
                Body b = bodies[j];
                double dx = b.x - a.x;
                double dy = b.y - a.y;
                e -= a.mass * b.mass / Math.sqrt(dx * dx + dy * dy + SOFTENING);
            }
        }
        return e;
    }

    /**
     * Hand-written adjoint on arrays: the forward pass keeps the positions at the start of each step
     * (a step's velocity change depends on them only), the reverse pass walks the steps back.
     */
    public static double[] gradient(double[] p, double[] masses, int steps, double dt) {
        int n = masses.length;
        double[] x = new double[n], y = new double[n], vx = new double[n], vy = new double[n];
        double[] xs = new double[steps * n], ys = new double[steps * n];
        for (int i = 0; i < n; i++) {
            x[i] = p[2 * i];
            y[i] = p[2 * i + 1];
        }
        for (int s = 0; s < steps; s++) {
            System.arraycopy(x, 0, xs, s * n, n);
            System.arraycopy(y, 0, ys, s * n, n);
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    double dx = x[j] - x[i];
                    double dy = y[j] - y[i];
                    double d2 = dx * dx + dy * dy + SOFTENING;
                    double f = dt / (d2 * Math.sqrt(d2));
                    vx[i] += dx * f * masses[j];
                    vy[i] += dy * f * masses[j];
                    vx[j] -= dx * f * masses[i];
                    vy[j] -= dy * f * masses[i];
                }
            }
            for (int i = 0; i < n; i++) {
                x[i] += vx[i] * dt;
                y[i] += vy[i] * dt;
            }
        }
        // the energy: kinetic 0.5 m v^2, potential -m_i m_j / r_ij
        double[] gx = new double[n], gy = new double[n], gvx = new double[n], gvy = new double[n];
        for (int i = 0; i < n; i++) {
            gvx[i] = masses[i] * vx[i];
            gvy[i] = masses[i] * vy[i];
            for (int j = i + 1; j < n; j++) {
                double dx = x[j] - x[i];
                double dy = y[j] - y[i];
                double d2 = dx * dx + dy * dy + SOFTENING;
                double c = masses[i] * masses[j] / (d2 * Math.sqrt(d2)); // d(-m m / r) / d dx = m m dx / r^3
                gx[j] += c * dx;
                gx[i] -= c * dx;
                gy[j] += c * dy;
                gy[i] -= c * dy;
            }
        }
        for (int s = steps - 1; s >= 0; s--) {
            // x += vx dt (vx already the step's new velocity)
            for (int i = 0; i < n; i++) {
                gvx[i] += gx[i] * dt;
                gvy[i] += gy[i] * dt;
            }
            // v_i += dx f m_j, v_j -= dx f m_i with f = dt d2^(-3/2), all from the step's starting positions
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    double dx = xs[s * n + j] - xs[s * n + i];
                    double dy = ys[s * n + j] - ys[s * n + i];
                    double d2 = dx * dx + dy * dy + SOFTENING;
                    double f = dt / (d2 * Math.sqrt(d2));
                    double ax = gvx[i] * masses[j] - gvx[j] * masses[i]; // what dx f reaches
                    double ay = gvy[i] * masses[j] - gvy[j] * masses[i];
                    double shared = -3 * f * (dx * ax + dy * ay) / d2; // through f's dependence on d2
                    double ddx = f * ax + shared * dx;
                    double ddy = f * ay + shared * dy;
                    gx[j] += ddx;
                    gx[i] -= ddx;
                    gy[j] += ddy;
                    gy[i] -= ddy;
                }
            }
        }
        double[] g = new double[2 * n];
        for (int i = 0; i < n; i++) {
            g[2 * i] = gx[i];
            g[2 * i + 1] = gy[i];
        }
        return g;
    }

    public static final class Problem implements Kernel {
        final double[] start;
        final double[] masses;
        final int steps;
        final double dt = 1e-3;

        public Problem(int bodies, int steps) {
            this.steps = steps;
            Random r = new Random(7);
            start = new double[2 * bodies];
            masses = new double[bodies];
            for (int i = 0; i < bodies; i++) {
                double angle = 2 * Math.PI * i / bodies;
                double radius = 1 + 0.3 * r.nextDouble();
                start[2 * i] = radius * Math.cos(angle);
                start[2 * i + 1] = radius * Math.sin(angle);
                masses[i] = 0.5 + r.nextDouble();
            }
        }

        @Override public String name() { return "nbody"; }

        @Override
        public String description() {
            return "n-body simulation over a Body[] of objects, " + masses.length + " bodies, " + steps + " steps";
        }

        @Override public double[] point() { return start.clone(); }
        @Override public double value(double[] p) { return energy(p, masses, steps, dt); }
        @Override public double[] manualGradient(double[] p) { return gradient(p, masses, steps, dt); }

        @Override
        public double[] grad4jGradient(double[] p) {
            double[] m = masses;
            int n = steps;
            double h = dt;
            return AD.gradient(q -> energy(q, m, n, h), p);
        }
    }
}
