package org.grad4j.agent.elsewhere;

/** Helpers reading protected members: a subclass in another package may, the code grad4j generates beside it may not. */
public abstract class ProtectedHelpers {
    protected static double bandwidth = 0.7;
    protected double scale = 1.3;

    public static double kernel(double x) {
        return Math.exp(-x * x / bandwidth);
    }

    protected final double activation(double z) {
        return Math.tanh(scale * z);
    }
}
