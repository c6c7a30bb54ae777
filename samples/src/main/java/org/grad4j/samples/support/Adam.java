package org.grad4j.samples.support;

/**
 * The Adam optimiser (Kingma &amp; Ba, 2015), written out: grad4j supplies gradients, the update
 * rule is ordinary Java.
 */
public final class Adam {
    private double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon = 1e-8;
    private final double[] m;
    private final double[] v;
    private int t;

    public Adam(int size, double learningRate) {
        this(size, learningRate, 0.9, 0.999);
    }

    public Adam(int size, double learningRate, double beta1, double beta2) {
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.m = new double[size];
        this.v = new double[size];
    }

    /** Changes the step size, for a schedule that anneals it. */
    public void learningRate(double rate) {
        this.learningRate = rate;
    }

    /** Moves {@code params} one step against {@code gradient}, in place. */
    public void step(double[] params, double[] gradient) {
        t++;
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < params.length; i++) {
            m[i] = beta1 * m[i] + (1 - beta1) * gradient[i];
            v[i] = beta2 * v[i] + (1 - beta2) * gradient[i] * gradient[i];
            params[i] -= learningRate * (m[i] / c1) / (Math.sqrt(v[i] / c2) + epsilon);
        }
    }
}
