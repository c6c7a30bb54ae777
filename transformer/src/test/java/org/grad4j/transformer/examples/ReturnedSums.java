package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/**
 * Loops whose sum the method returns as it is, written the ways numerical Java writes them: what
 * only forms the sum is skipped when the gradient's caller does not want the value ({@code
 * AD.gradient}). Each comment says which statements only form it; {@link Loops#rosenbrock} is one
 * more.
 */
public final class ReturnedSums {
    private ReturnedSums() {}

    /** The square kept in a local of its own, dead after the update: the square and the update. */
    @Differentiable
    public static double throughLocals(double[] x, double[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double r = x[i] - y[i];
            double squared = r * r;
            sum += squared;
        }
        return sum;
    }

    /**
     * How a lambda's body calls a loss ({@code p -> throughLocals(p, y)}): inlined, the helper's sum
     * reaches this method's {@code return} through a slot of its operand stack.
     */
    @Differentiable
    public static double throughAHelper(double[] x, double[] y) {
        return throughLocals(x, y);
    }

    /**
     * A loss in a class of its own, called, not inlined, its result returned as it is: the call
     * takes this method's continuation, so the loss sees the gradient's top continuation.
     */
    @Differentiable
    public static double throughACall(double[] x, double[] y, double c) {
        return SumsElsewhere.returnedAsIs(x, y, c);
    }

    /** A wrapper of {@link #throughACall}, inlined here: the call's result reaches the {@code return} through blocks that move it. */
    @Differentiable
    public static double throughAWrapper(double[] x, double[] y, double c) {
        return throughACall(x, y, c);
    }

    /** The mean of a loss: the division's adjoint reads {@code n}, not the sum; {@code r * r} and the update only form it. */
    @Differentiable
    public static double mean(double[] x, double[] y) {
        double loss = 0;
        for (int i = 0; i < x.length; i++) {
            double r = x[i] - y[i];
            loss += r * r;
        }
        return loss / Math.max(1, x.length);
    }

    /** Scaled by a constant and shifted by a parameter after the loop, through a local: still only the result needs the sum. */
    @Differentiable
    public static double scaledAndShifted(double[] x, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.sin(x[i]) * x[i];
        double half = 0.5 * s;
        return c > 0 ? half + c * c : half - c;
    }

    /** Scaled by a parameter: the product's adjoint for {@code c} reads the sum, which is then needed. */
    @Differentiable
    public static double scaledByAParameter(double[] x, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * x[i];
        return s * c;
    }

    /** A branch on the sum after the loop: needed. */
    @Differentiable
    public static double capped(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * x[i];
        if (s > 4) return 4 + 0.1 * s;
        return s;
    }

    /**
     * A called loss scaled and shifted ({@code p -> 0.5 * loss(p) - c}): the call's continuation
     * does not read the loss when the top continuation does not read the result, and says so.
     */
    @Differentiable
    public static double scaledCall(double[] x, double[] y, double c) {
        return 0.5 * SumsElsewhere.returnedAsIs(x, y, c) - c;
    }

    /** A called loss times a parameter: {@code c}'s adjoint reads the loss. */
    @Differentiable
    public static double callTimesParameter(double[] x, double[] y, double c) {
        return SumsElsewhere.returnedAsIs(x, y, c) * c;
    }

    /** {@code t} is read by {@code sin}'s adjoint: the update only. */
    @Differentiable
    public static double readByARule(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double t = x[i] * x[i];
            s += t + Math.sin(t);
        }
        return s;
    }

    /** A quotient with an active divisor is read by the division's adjoint: the updates only. */
    @Differentiable
    public static double quotients(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s -= x[i] * x[i] / (1 + x[i] * x[i]);
        return s;
    }

    /** The index converted: {@code x² · x}, all of {@code 0.5 i − 3 x} and the additions only form the sum; {@code x²} is a factor. */
    @Differentiable
    public static double mixedTerms(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * x[i] * x[i] + (0.5 * i - 3 * x[i]);
        return s;
    }

    /** Two updates in one iteration, a penalty added apart: {@code r * r}, {@code w * w}, the product by {@code lambda} and both updates. */
    @Differentiable
    public static double penalised(double[] w, double[] y, double lambda) {
        double loss = 0;
        for (int i = 0; i < w.length; i++) {
            double r = w[i] - y[i];
            loss += r * r;
            loss += lambda * (w[i] * w[i]);
        }
        return loss;
    }

    /** An update and a subtraction in one expression ({@code (s + a) - b}): {@code a} and both. */
    @Differentiable
    public static double chained(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s = s + x[i] * x[i] * y[i] - y[i];
        return s;
    }

    /** Updates in both arms of a branch, and a {@code continue}. */
    @Differentiable
    public static double branches(double[] x, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] < -0.6) continue;
            double d = x[i] - c;
            if (d > 0) s += d * d * c;
            else s -= Math.expm1(d) * 2;
        }
        return s;
    }

    /** The old sum waits on the operand stack across a conditional expression. */
    @Differentiable
    public static double ternary(double[] x) {
        double s = 1;
        for (int i = 0; i < x.length; i++) s += x[i] > 0 ? x[i] * x[i] * 4 : -0.5 * x[i];
        return s;
    }

    /** The square crosses a branch in its slot, which is live: only the join's update forms the sum alone. */
    @Differentiable
    public static double clamped(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double sq = x[i] * x[i];
            if (sq > 1) sq = 1 + 0.1 * sq;
            s += 2 * sq;
        }
        return s;
    }

    /** A term formed before a branch that does not touch it, added after: it crosses blocks in its slot. */
    @Differentiable
    public static double termAcrossABranch(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double t = x[i] * x[i];
            double w = 3;
            if (x[i] > 0) w = 2;
            s += w * t;
        }
        return s;
    }

    /** The sum kept aside in a local of its own, then updated from it. */
    @Differentiable
    public static double keptAside(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double before = s;
            double e = x[i] * (i + 1);
            s = before + e * e;
        }
        return s;
    }

    /** Squared errors of a linear model: an inner sum, whose sum the outer loop needs; {@code r * r} and the update do not. */
    @Differentiable
    public static double squaredErrors(double[] w, double[] xs, double[] ys) {
        int d = w.length;
        double loss = 0;
        for (int i = 0; i < ys.length; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            double r = z - ys[i];
            loss += r * r;
        }
        return loss;
    }

    /** A logistic loss returned as it is: the log's result is read by its adjoint, the update is not. */
    @Differentiable
    public static double logistic(double[] w, double[] xs, double[] ys) {
        int d = w.length;
        double loss = 0;
        for (int i = 0; i < ys.length; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            loss += Math.log(1 + Math.exp(-ys[i] * z));
        }
        return loss;
    }
}
