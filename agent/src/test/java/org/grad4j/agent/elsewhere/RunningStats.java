package org.grad4j.agent.elsewhere;

/** A running mean and variance with private state, as a statistics library of another package writes it. */
public final class RunningStats {
    private long n;
    private double mean;
    private double m2;

    public void add(double v) {
        n++;
        double d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
    }

    public double variance() {
        return n > 1 ? m2 / (n - 1) : 0.0;
    }
}
