package org.grad4j.samples.curvefit;

import org.grad4j.Differentiable;

/** The model {@code y = a·exp(-b·t)·sin(c·t + d)} of a damped oscillation, and its least-squares loss. */
public final class DampedOscillation {
    private DampedOscillation() {}

    /** The model at time {@code t}; {@code p = {a, b, c, d}}. */
    @Differentiable
    public static double model(double[] p, double t) {
        return p[0] * Math.exp(-p[1] * t) * Math.sin(p[2] * t + p[3]);
    }

    /** Mean squared error of the model over the samples {@code (ts[i], ys[i])}. */
    @Differentiable
    public static double loss(double[] p, double[] ts, double[] ys) {
        double sum = 0;
        for (int i = 0; i < ts.length; i++) {
            double r = model(p, ts[i]) - ys[i];
            sum += r * r;
        }
        return sum / ts.length;
    }
}
