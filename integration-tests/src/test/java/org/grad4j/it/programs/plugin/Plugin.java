package org.grad4j.it.programs.plugin;

import java.util.function.Function;
import org.grad4j.AD;
import org.grad4j.Differentiable;

/** A plugin that takes its own gradients; {@link org.grad4j.it.programs.PluginHost} loads it in loaders of its own. */
public final class Plugin implements Function<double[], double[]> {
    @Differentiable
    public static double loss(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += (w[i] - i) * (w[i] - i) * Math.cosh(0.1 * w[i]);
        return s;
    }

    @Override
    public double[] apply(double[] w) {
        return AD.gradient(v -> loss(v) + v[0] * v[1], w);
    }
}
