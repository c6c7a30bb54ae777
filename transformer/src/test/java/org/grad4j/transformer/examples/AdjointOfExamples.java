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
