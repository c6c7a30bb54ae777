package org.grad4j.isolated;

import org.grad4j.runtime.Ctx;
import org.grad4j.runtime.DoubleContinuation;

/**
 * A program without tensors, run by {@code WithoutNd4jTest} in a class loader that cannot see
 * ND4J. Its entry is written by hand as generated code would be.
 */
public final class NoTensorProgram {
    private NoTensorProgram() {}

    public static double f(double x, double[] w) {
        return x * x + 3 * w[0] * w[1];
    }

    public static void f$entry(double x, double[] w, double[] sw, DoubleContinuation k, Ctx ctx) {
        double dy = k.resume(f(x, w), ctx);
        sw[0] += 3 * w[1] * dy;
        sw[1] += 3 * w[0] * dy;
        ctx.d[0] = 2 * x * dy;
    }
}
