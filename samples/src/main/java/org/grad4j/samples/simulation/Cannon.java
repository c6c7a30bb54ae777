package org.grad4j.samples.simulation;

import org.grad4j.Differentiable;

/**
 * A cannon shell with quadratic air drag and a head wind, integrated with a fixed time step
 * (semi-implicit Euler) until it comes down. Ordinary simulation code: nothing here knows about
 * gradients except the annotation.
 */
public final class Cannon {
    /** Gravity, m/s². */
    static final double G = 9.81;
    /** Drag per unit mass, ½ρ·Cd·A/m for a 5 kg ball of 12 cm diameter, 1/m. */
    static final double DRAG = 0.5 * 1.225 * 0.47 * (Math.PI * 0.06 * 0.06) / 5.0;
    /** Wind along x, m/s (negative: a head wind). */
    static final double WIND = -6.0;
    /** Time step, s: the shell of the solved problem takes 100,000 steps to land. */
    public static final double DT = 8e-5;
    /** The integration stops here if the shell has not landed, s. */
    public static final int MAX_STEPS = 150_000;

    private Cannon() {}

    /**
     * Flies a shell fired at {@code speed} m/s and {@code elevation} degrees and returns how far
     * it misses: the squared relative errors of where and when it lands.
     *
     * @param shot {speed m/s, elevation degrees}
     */
    @Differentiable
    public static double miss(double[] shot, double targetDistance, double targetTime) {
        double angle = Math.toRadians(shot[1]);
        double vx = shot[0] * Math.cos(angle);
        double vy = shot[0] * Math.sin(angle);
        double x = 0, y = 0;
        double landX = 0, landT = 0;
        boolean landed = false;
        for (int i = 1; i <= MAX_STEPS; i++) {
            double rx = vx - WIND;
            double speed = Math.sqrt(rx * rx + vy * vy);
            vx -= DT * DRAG * speed * rx;
            vy -= DT * (G + DRAG * speed * vy);
            double px = x, py = y;
            x += DT * vx;
            y += DT * vy;
            if (y < 0) {
                double f = py / (py - y); // the fraction of this step flown above ground
                landX = px + f * (x - px);
                landT = (i - 1 + f) * DT;
                landed = true;
                break;
            }
        }
        if (!landed) { // still in the air: judge it where it is
            landX = x;
            landT = MAX_STEPS * DT + y / G;
        }
        double ex = (landX - targetDistance) / targetDistance;
        double et = (landT - targetTime) / targetTime;
        return ex * ex + et * et;
    }

    /** The same flight, plainly, recording the path every {@code every} steps and the landing point: {xs, ys, {landX, landT, steps}}. */
    public static double[][] path(double[] shot, int every) {
        double angle = Math.toRadians(shot[1]);
        double vx = shot[0] * Math.cos(angle);
        double vy = shot[0] * Math.sin(angle);
        double x = 0, y = 0;
        double[] xs = new double[MAX_STEPS / every + 2];
        double[] ys = new double[xs.length];
        int n = 1; // starts at the origin
        for (int i = 1; i <= MAX_STEPS; i++) {
            double rx = vx - WIND;
            double speed = Math.sqrt(rx * rx + vy * vy);
            vx -= DT * DRAG * speed * rx;
            vy -= DT * (G + DRAG * speed * vy);
            double px = x, py = y;
            x += DT * vx;
            y += DT * vy;
            if (y < 0) {
                double f = py / (py - y);
                xs[n] = px + f * (x - px);
                ys[n++] = 0;
                return new double[][] {java.util.Arrays.copyOf(xs, n), java.util.Arrays.copyOf(ys, n),
                        {px + f * (x - px), (i - 1 + f) * DT, i}};
            }
            if (i % every == 0) {
                xs[n] = x;
                ys[n++] = y;
            }
        }
        return new double[][] {java.util.Arrays.copyOf(xs, n), java.util.Arrays.copyOf(ys, n), {x, MAX_STEPS * DT, MAX_STEPS}};
    }
}
