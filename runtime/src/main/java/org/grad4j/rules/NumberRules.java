package org.grad4j.rules;

/**
 * {@code Double.max}, {@code Double.min} and their {@code Float} twins: what {@code Math.max}
 * and {@code Math.min} compute (the JDK defines them so), with the same adjoints.
 * ({@code Double.sum} stays without a rule: the tests use it as the JDK method that has none.)
 */
public final class NumberRules {
    private NumberRules() {}

    @RulesFor("java/lang/Double")
    public static final class Doubles {
        private Doubles() {}

        @Adjoint(of = "max", arg = 0)
        public static double max0(double a, double b, double y, double dy) { return MathRules.max0(a, b, y, dy); }

        @Adjoint(of = "max", arg = 1)
        public static double max1(double a, double b, double y, double dy) { return MathRules.max1(a, b, y, dy); }

        @Adjoint(of = "min", arg = 0)
        public static double min0(double a, double b, double y, double dy) { return MathRules.min0(a, b, y, dy); }

        @Adjoint(of = "min", arg = 1)
        public static double min1(double a, double b, double y, double dy) { return MathRules.min1(a, b, y, dy); }
    }

    @RulesFor("java/lang/Float")
    public static final class Floats {
        private Floats() {}

        @Adjoint(of = "max", arg = 0)
        public static double max0(float a, float b, float y, double dy) { return MathRules.max0(a, b, y, dy); }

        @Adjoint(of = "max", arg = 1)
        public static double max1(float a, float b, float y, double dy) { return MathRules.max1(a, b, y, dy); }

        @Adjoint(of = "min", arg = 0)
        public static double min0(float a, float b, float y, double dy) { return MathRules.min0(a, b, y, dy); }

        @Adjoint(of = "min", arg = 1)
        public static double min1(float a, float b, float y, double dy) { return MathRules.min1(a, b, y, dy); }
    }
}
