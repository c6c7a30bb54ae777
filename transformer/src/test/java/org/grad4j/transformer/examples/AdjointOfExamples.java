package org.grad4j.transformer.examples;

import org.grad4j.AdjointOf;
import org.grad4j.Differentiable;

/**
 * {@code @AdjointOf} rules, checked by {@link AdjointOfRulesTest}: broken ones, one class each
 * (a class's rules are checked together), and valid ones of every form.
 */
public final class AdjointOfExamples {
    private AdjointOfExamples() {}

    /** The result parameter y is missing. */
    public static final class MissingResult {
        static double clampedLog(double x) { return Math.log(Math.max(x, 1e-12)); }

        @AdjointOf("clampedLog")
        static double clampedLogAdjoint(double x, double dy) { return dy / x; }

        @Differentiable
        public static double f(double x) { return clampedLog(x) * 2; }
    }

    /** The rule names a method that does not exist. */
    public static final class Misspelt {
        static double clampedLog(double x, double floor) { return Math.log(Math.max(x, floor)); }

        @AdjointOf("clampLog")
        static double clampedLogAdjoint(double x, double floor, double y, double dy) { return dy / x; }

        @Differentiable
        public static double f(double x) { return clampedLog(x, 1e-12) * 2; }
    }

    public static final class ReturnsFloat {
        static double cube(double x) { return x * x * x; }

        @AdjointOf("cube")
        static float cubeAdjoint(double x, double y, double dy) { return (float) (3 * x * x * dy); }

        @Differentiable
        public static double f(double x) { return cube(x) + 1; }
    }

    public static final class NoSuchArgument {
        static double cube(double x) { return x * x * x; }

        @AdjointOf(value = "cube", arg = 1)
        static double cubeAdjoint(double x, double y, double dy) { return 3 * x * x * dy; }

        @Differentiable
        public static double f(double x) { return cube(x) + 1; }
    }

    public static final class IntArgument {
        static double power(double x, int n) { return Math.pow(x, n); }

        @AdjointOf(value = "power", arg = 1)
        static double powerAdjoint(double x, int n, double y, double dy) { return 0; }

        @Differentiable
        public static double f(double x) { return power(x, 3); }
    }

    public static final class NotStatic {
        static double cube(double x) { return x * x * x; }

        @AdjointOf("cube")
        double cubeAdjoint(double x, double y, double dy) { return 3 * x * x * dy; }

        @Differentiable
        public static double f(double x) { return cube(x) + 1; }
    }

    public static final class TwoForOneArgument {
        static double cube(double x) { return x * x * x; }

        @AdjointOf("cube")
        static double cubeAdjoint(double x, double y, double dy) { return 3 * x * x * dy; }

        @AdjointOf("cube")
        static double cubeAdjointAgain(double x, double y, double dy) { return 3 * x * x * dy; }

        @Differentiable
        public static double f(double x) { return cube(x) + 1; }
    }

    /** A broken rule for one overload lists what each overload's rule would be. */
    public static final class Overloads {
        static double twice(double x) { return 2 * x; }

        static float twice(float x) { return 2 * x; }

        @AdjointOf("twice")
        static double twiceAdjoint(float x, double dy) { return 2 * dy; }

        @Differentiable
        public static double f(double x) { return twice(x) + 1; }
    }

    /** A rule for the exponent only: the base's adjoint would silently be 0. */
    public static final class MissingArgument {
        static double powAbs(double x, double p) { return Math.pow(Math.abs(x) + 1e-12, p); }

        @AdjointOf(value = "powAbs", arg = 1)
        static double powAbsDp(double x, double p, double y, double dy) { return dy * y * Math.log(Math.abs(x) + 1e-12); }

        @Differentiable
        public static double f(double x) { return powAbs(x, 3); }
    }

    /** Rules for a double and an int argument (which needs none), none for a float one. */
    public static final class MissingFloatArgument {
        static double blend(double a, int n, float b) { return n * a + b; }

        @AdjointOf("blend")
        static double blendA(double a, int n, float b, double y, double dy) { return n * dy; }

        @Differentiable
        public static double f(double x) { return blend(x, 2, (float) x); }
    }

    /** A rule for the scale only: no rule can give the adjoint of the array. */
    public static final class ArrayArgument {
        static final double[] TABLE = {1, 2, 4};

        static double sumScaled(double[] a, double s) {
            double t = 0;
            for (double v : a) t += v;
            return t * s;
        }

        @AdjointOf(value = "sumScaled", arg = 1)
        static double sumScaledS(double[] a, double s, double y, double dy) {
            double t = 0;
            for (double v : a) t += v;
            return 10 * t * dy; // ten times the true derivative: shows that the rule ran
        }

        @Differentiable
        public static double differentiatedArray(double[] a, double s) { return sumScaled(a, s); }

        @Differentiable
        public static double allocatedArray(double x, double s) { return sumScaled(new double[] {x, 1}, s); }

        @Differentiable
        public static double dataArray(double s) { return sumScaled(TABLE, s) * s; }

        /** The same table allocated here: it only ever holds constants, so it is data too. */
        @Differentiable
        public static double allocatedDataArray(double s) { return sumScaled(new double[] {1, 2, 4}, s) * s; }
    }

    /** Methods with rules a gradient starts in, rather than calls. */
    public static final class RuledEntries {
        /** A straight-through estimator: rounds forward, passes the adjoint through backward. */
        static double ste(double x) { return Math.rint(x); }

        @AdjointOf("ste")
        static double steAdjoint(double x, double y, double dy) { return dy; }

        /** A body grad4j refuses (a try/catch), with a rule for that reason. */
        static double guardedLog(double x) {
            try {
                return Math.log(x);
            } catch (RuntimeException e) {
                return 0;
            }
        }

        @AdjointOf("guardedLog")
        static double guardedLogAdjoint(double x, double y, double dy) { return dy / x; }
    }

    /** A broken rule of a method no gradient calls is reported once a gradient calls its class. */
    public static final class UncalledRule {
        static double called(double x) { return x * x; }

        static double uncalled(double x) { return x; }

        @AdjointOf("uncalled")
        static double uncalledAdjoint(double x, double dy) { return dy; }

        @Differentiable
        public static double f(double x) { return called(x) + 1; }

        @Differentiable
        public static double g(double x) { return uncalled(x) * 2; }
    }

    /**
     * Valid rules of every scalar form. Each returns a derivative the method does not have, so
     * that the gradient shows the rule ran rather than the body.
     */
    public static final class Valid {
        static double scaled(double x, double s) { return x * s; }

        @AdjointOf("scaled")
        static double scaledX(double x, double s, double y, double dy) { return 100 * dy; }

        @AdjointOf(value = "scaled", arg = 1)
        static double scaledS(double x, double s, double y, double dy) { return 1000 * dy; }

        static float half(float x) { return x / 2; }

        @AdjointOf("half")
        private static double halfAdjoint(float x, float y, double dy) { return 10 * dy; }

        static double power(double x, int n) { return Math.pow(x, n); }

        @AdjointOf("power")
        static double powerAdjoint(double x, int n, double y, double dy) { return n * dy; }

        @Differentiable
        public static double f(double x, double s) { return scaled(x, s) + half((float) x) + power(x, 3); }
    }
}
