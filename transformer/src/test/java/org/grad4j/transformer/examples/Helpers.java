package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/** Methods that call small helpers, the way numerical code does: subjects for inlining. */
public final class Helpers {
    private Helpers() {}

    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** Branches and two returns; called in the middle of an expression (operands waiting on the stack). */
    static double softClip(double x, double limit) {
        if (x > limit) return limit + Math.log1p(x - limit);
        if (x < -limit) return -limit - Math.log1p(-limit - x);
        return x;
    }

    /** Writes its own parameter; a long and an int between the doubles (two-slot locals). */
    static double scaled(double x, long k, int j, double s) {
        x = x * s;
        x += k * j * 1e-3 * s;
        return x * x;
    }

    /** A void helper that updates an array in place. */
    static void axpy(double[] y, int i, double a, double x) {
        y[i] += a * x;
    }

    /** Calls other helpers: inlined with them. */
    static double twoLevels(double x) {
        return sigmoid(x) * softClip(3 * x, 1.5);
    }

    /** A helper with a loop: inlined only where nothing else waits on the operand stack. */
    static double sumSquares(double[] v) {
        double s = 0;
        for (int i = 0; i < v.length; i++) s += v[i] * v[i];
        return s;
    }

    /** Recursive without a loop: inlined one level into its caller, the rest are calls. */
    static double power(double x, int n) {
        return n == 0 ? 1 : x * power(x, n - 1);
    }

    /** Three levels of helpers below a loop, as a model's loss calls its layer, its activation, a clip. */
    static double predict(double[] w, double x) {
        return w[0] + w[1] * activation(w[2] * x);
    }

    static double activation(double z) {
        return clip(z) / (1 + Math.abs(clip(z)));
    }

    static double clip(double z) {
        return Math.max(-2, Math.min(2, z));
    }

    /** Helpers that call each other. */
    static double even(double x, int n) {
        return n == 0 ? x : Math.sin(odd(x, n - 1));
    }

    static double odd(double x, int n) {
        return n == 0 ? x * x : Math.cos(even(x, n - 1));
    }

    static float softplus(float x) {
        return (float) Math.log(1 + Math.exp(x));
    }

    /** Instance helpers: private and final methods always run the body they name, so they are inlined too. */
    public static final class Cell {
        private final double scale;

        public Cell(double scale) {
            this.scale = scale;
        }

        private double act(double z) {
            return Math.tanh(scale * z);
        }

        final double twice(double z) {
            return act(z) + act(2 * z);
        }

        @Differentiable
        public double apply(double x, double y) {
            return twice(x) * act(y) + (scale > 0 ? act(x * y) : 0);
        }
    }

    /** Instance helpers, one with a loop, called inside an expression: this waits beneath the call. */
    public static final class Regression {
        private final double scale;

        public Regression(double scale) {
            this.scale = scale;
        }

        private double predict(double[] w, double[] x) {
            double z = 0;
            for (int j = 0; j < x.length; j++) z += w[j] * x[j];
            return z;
        }

        private double huber(double e) {
            return Math.abs(e) <= 1 ? 0.5 * e * e : Math.abs(e) - 0.5;
        }

        @Differentiable
        public double loss(double[] w, double[][] xs) {
            double s = 0;
            for (int i = 0; i < xs.length; i++) s += scale * huber(predict(w, xs[i]) - i);
            return s;
        }
    }

    /** A per-sample helper reading this's fields, inlined into the loop over samples. */
    public static final class Fitted {
        private final double[] offsets;
        private final double scale;

        public Fitted(double[] offsets, double scale) {
            this.offsets = offsets;
            this.scale = scale;
        }

        private double predict(double[] w, double[] x) {
            double z = offsets[0];
            for (int j = 0; j < x.length; j++) z += w[j] * x[j] * scale;
            return z;
        }

        @Differentiable
        public double loss(double[] w, double[][] xs) {
            double s = 0;
            for (int i = 0; i < xs.length; i++) {
                double z = predict(w, xs[i]);
                s += (z - i) * (z - i);
            }
            return s;
        }
    }

    static final class Nested {
        private Nested() {}

        private static double cube(double x) {
            return x * x * x;
        }
    }

    /** An LSTM-like cell over arrays: helper results stored straight into arrays. */
    @Differentiable
    public static double cell(double[] w, double[] x, double[] h) {
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            double gate = sigmoid(w[i] * x[i] + w[x.length + i]);
            h[i] = gate * Math.tanh(x[i]) + sigmoid(h[i] * w[i]) * h[i];
            total += h[i] * h[i];
        }
        return total;
    }

    @Differentiable
    public static double expressions(double x, double y) {
        double a = x * 2 + softClip(y * 3, 1.0) * (1 + softClip(x, 0.5));
        return a + scaled(x, 7L, 3, y) - Nested.cube(y - x);
    }

    @Differentiable
    public static double updates(double[] y, double a, double x) {
        for (int i = 0; i < y.length; i++) axpy(y, i, a, x * y[i]);
        double s = 0;
        for (int i = 0; i < y.length; i++) s += y[i] * y[i];
        return s;
    }

    @Differentiable
    public static double threeLevels(double[] w, double[] xs) {
        double s = 0;
        for (int i = 0; i < xs.length; i++) {
            double e = predict(w, xs[i]) - w[2 * i % w.length];
            s += e * e;
        }
        return s;
    }

    @Differentiable
    public static double mutual(double x, int n) {
        return even(x, n) * 2;
    }

    @Differentiable
    public static double chain(double x, double[] v) {
        return twoLevels(x) + sumSquares(v) * power(x, 3);
    }

    @Differentiable
    public static double loopHelpers(double[] v, double x) {
        double a = sumSquares(v); // the arguments are all there is on the stack: inlined
        double b = x * sumSquares(v); // x waits below the call: spilled to a local around the body
        for (int i = 0; i < v.length; i++) {
            double t = sumSquares(v); // inlined: a loop inside another loop
            a += t * v[i];
        }
        return a * x + b;
    }

    @Differentiable
    public static float floats(float x) {
        return softplus(x) * softplus(-2 * x);
    }
}
