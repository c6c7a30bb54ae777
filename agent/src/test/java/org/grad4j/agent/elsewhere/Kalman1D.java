package org.grad4j.agent.elsewhere;

/** A scalar Kalman filter: private state, a constructor that sets it, an update written in place. Not final. */
public class Kalman1D {
    private final double q;
    private final double r;
    private double x;
    private double p = 1;

    public Kalman1D(double q, double r, double x0) {
        this.q = q;
        this.r = r;
        this.x = x0;
    }

    public void update(double z) {
        p += q;
        double k = p / (p + r);
        x += k * (z - x);
        p *= 1 - k;
    }

    public double estimate() {
        return x;
    }
}
