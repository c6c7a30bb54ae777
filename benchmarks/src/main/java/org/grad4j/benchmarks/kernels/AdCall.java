package org.grad4j.benchmarks.kernels;

import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.benchmarks.Kernel;

/**
 * The fixed cost of one {@code AD.gradient} call: a function of two variables with nothing to
 * compute, so that what is measured is the call itself (resolving the lambda, finding the entry,
 * the hand-off to the worker thread and back, the result arrays).
 */
public final class AdCall {
    private AdCall() {}

    @Differentiable
    public static double value(double[] x) {
        return x[0] * x[1];
    }

    public static double[] gradient(double[] x) {
        return new double[] {x[1], x[0]};
    }

    public static final class Problem implements Kernel {
        @Override public String name() { return "adcall"; }
        @Override public String description() { return "x0 * x1: the fixed cost of one AD call"; }
        @Override public double[] point() { return new double[] {1.5, -2.0}; }
        @Override public double value(double[] p) { return AdCall.value(p); }
        @Override public double[] manualGradient(double[] p) { return AdCall.gradient(p); }
        @Override public double[] grad4jGradient(double[] p) { return AD.gradient(AdCall::value, p); }
    }
}
