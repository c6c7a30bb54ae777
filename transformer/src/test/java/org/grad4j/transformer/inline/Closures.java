package org.grad4j.transformer.inline;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleConsumer;
import java.util.function.DoubleSupplier;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import java.util.function.IntToDoubleFunction;
import java.util.function.ToDoubleFunction;

/**
 * Lambdas made and called in one method, as users write them: each public method is run as
 * written and with its lambdas replaced by calls of their bodies ({@link LambdaObjectsTest}).
 */
public class Closures {
    private final double scale = 1.5;

    /** A function of the problem's own: a lambda of it captures what it needs. */
    @FunctionalInterface
    interface Rhs {
        double f(double t, double y);
    }

    public double calledTwice(double[] x, double[] w) {
        DoubleUnaryOperator f = t -> x[0] * t + w[0];
        return f.applyAsDouble(2) + f.applyAsDouble(x[1]);
    }

    public double copiedToAnotherVariable(double[] x, double[] w) {
        DoubleUnaryOperator f = t -> x[0] * t * t;
        DoubleUnaryOperator g = f;
        return g.applyAsDouble(x[1]) * f.applyAsDouble(w[1]);
    }

    /** A lambda made in each iteration captures that iteration's values. */
    public double madeInALoop(double[] x, double[] w) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double k = x[i];
            int sign = i % 2 == 0 ? 1 : -1;
            DoubleUnaryOperator f = t -> sign * k * Math.sin(t);
            s += f.applyAsDouble(w[i]);
        }
        return s;
    }

    /** Made before a loop, called in it. */
    public double calledInALoop(double[] x, double[] w) {
        double a = x[0], b = x[1];
        DoubleBinaryOperator f = (u, v) -> a * u * u + b * v;
        double s = 0;
        for (int i = 0; i < w.length; i++) s += f.applyAsDouble(w[i], x[i]);
        return s;
    }

    /** Two variables, the second reassigned to a new lambda in every iteration. */
    public double reassigned(double[] x, double[] w) {
        DoubleUnaryOperator f = t -> t + x[0];
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double k = w[i];
            DoubleUnaryOperator g = t -> k * t;
            f = t2(f);
            s += g.applyAsDouble(x[i]);
        }
        return s;
    }

    private static DoubleUnaryOperator t2(DoubleUnaryOperator f) {
        return f;
    }

    public double ownInterface(double[] x, double[] w) {
        double k = x[0];
        Rhs rhs = (t, y) -> -k * y + w[0] * t;
        double y = x[1];
        for (int i = 0; i < 10; i++) y += 0.1 * rhs.f(0.1 * i, y);
        return y;
    }

    public double methodReferences(double[] x, double[] w) {
        DoubleUnaryOperator e = Math::exp;
        IntToDoubleFunction root = Math::sqrt; // the int widened, as LambdaMetafactory widens it
        ToDoubleFunction<double[]> norm = Closures::norm; // the argument cast from Object
        return e.applyAsDouble(x[0]) * root.applyAsDouble(x.length) + norm.applyAsDouble(w);
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double a : v) s += a * a;
        return Math.sqrt(s);
    }

    public double capturesThis(double[] x, double[] w) {
        DoubleUnaryOperator f = t -> scale * t * x[0];
        DoubleUnaryOperator g = this::scaled;
        return f.applyAsDouble(w[0]) + g.applyAsDouble(x[1]);
    }

    private double scaled(double t) {
        return scale * t * t;
    }

    public double checkedForNull(double[] x, double[] w) {
        DoubleUnaryOperator f = Objects.requireNonNull(t -> t * x[0]);
        double s = f != null ? f.applyAsDouble(w[0]) : 0;
        if (f == null) return -1;
        return s + f.applyAsDouble(x[1]);
    }

    public double consumer(double[] x, double[] w) {
        double[] sum = new double[1];
        DoubleConsumer add = v -> sum[0] += v * x[0];
        for (double v : w) add.accept(v);
        return sum[0];
    }

    public double supplier(double[] x, double[] w) {
        DoubleSupplier product = () -> x[0] * x[1];
        return product.getAsDouble() + product.getAsDouble() * w[0];
    }

    public double capturesIntsLongsFloats(double[] x, double[] w) {
        int n = x.length;
        long big = 1L << 40;
        float f = 0.25f;
        DoubleUnaryOperator op = t -> n * t + f * t * t + (big >> 40) * x[0];
        return op.applyAsDouble(w[0]);
    }

    /** Not differentiable (boxed), but replaced all the same: the argument cast to Double, the result left boxed. */
    public double boxes(double[] x, double[] w) {
        Function<Double, Double> twice = v -> v * 2;
        return twice.apply(3.0) + twice.apply(0.5);
    }

    public double throwsWhereTheLambdaDoes(double[] x, double[] w) {
        DoubleUnaryOperator root = t -> {
            if (t < 0) throw new IllegalArgumentException("negative");
            return Math.sqrt(t);
        };
        return root.applyAsDouble(x[0]) + root.applyAsDouble(w[0] * w[0]);
    }

    /** The inner lambda is captured by the outer one: kept in this round, followed once the outer body is inlined. */
    public double composedByHand(double[] x, double[] w) {
        DoubleUnaryOperator f = t -> t * x[0];
        DoubleUnaryOperator g = t -> f.applyAsDouble(t) + x[1];
        return g.applyAsDouble(w[0]);
    }

    /** Chosen between two sites: a tag says which made it. */
    public double chosenBetweenTwo(double[] x, double[] w) {
        DoubleUnaryOperator f = x[0] > 0 ? t -> t * x[0] : t -> -t * w[1];
        return f.applyAsDouble(w[0]) + f.applyAsDouble(x[1]);
    }

    /** Chosen by branches and reassigned in a loop among three sites, captures of different types. */
    public double chosenInBranches(double[] x, double[] w) {
        DoubleBinaryOperator f;
        if (x[0] > 0.5) f = (a, b) -> a * x[0] + b;
        else if (x[0] > -0.5) f = (a, b) -> a - b * w[0];
        else f = (a, b) -> Math.sin(a) * b;
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += f.applyAsDouble(x[i], w[i]);
            int k = i;
            if (w[i] > 0) f = (a, b) -> a * k + b * x[0];
        }
        return s;
    }

    // kept: each says why (LambdaObjectsTest.KEPT)

    public double chosenOrNull(double[] x, double[] w) {
        DoubleUnaryOperator f = x[0] > 0 ? t -> t * x[0] : null;
        return f != null ? f.applyAsDouble(w[0]) : 0;
    }

    public double passedToTheJdk(double[] x, double[] w) {
        double[] out = new double[x.length];
        double k = x[0];
        Arrays.setAll(out, i -> k * i);
        return out[out.length - 1];
    }

    static DoubleUnaryOperator last;

    public double storedInAField(double[] x, double[] w) {
        DoubleUnaryOperator f = t -> t * x[0];
        last = f;
        return f.applyAsDouble(w[0]);
    }

    public double composedByTheJdk(double[] x, double[] w) {
        DoubleUnaryOperator f = t -> t * x[0];
        return f.andThen(Math::exp).applyAsDouble(w[0]);
    }
}
