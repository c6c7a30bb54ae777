package org.grad4j.rules;

/**
 * Boxing and unboxing as identities, so that a differentiable {@code double s} passed to an
 * ND4J method that takes a {@code Number} ({@code x.mul(s)}: javac boxes {@code s} with
 * {@code Double.valueOf}) and a {@code Number} result read back ({@code x.sumNumber()
 * .doubleValue()}) keep their derivatives. A boxed value's adjoint is a {@code double}.
 *
 * <p>A boxed value that flows anywhere else (into a collection, a field, a call grad4j cannot
 * see) is refused by the transformer, so no derivative is lost silently.
 */
public final class BoxingRules {
    private BoxingRules() {}

    @RulesFor("java/lang/Double")
    public static final class DoubleValueOf {
        private DoubleValueOf() {}

        @Adjoint(of = "valueOf")
        public static double valueOf(double v, Double boxed, double d) { return d; }
    }

    @RulesFor("java/lang/Float")
    public static final class FloatValueOf {
        private FloatValueOf() {}

        @Adjoint(of = "valueOf")
        public static double valueOf(float v, Float boxed, double d) { return d; }
    }

    /** {@code doubleValue()}/{@code floatValue()} on a {@code Number}, {@code Double} or {@code Float}: the receiver's adjoint is the result's. */
    @RulesFor(value = {"java/lang/Number", "java/lang/Double", "java/lang/Float"}, receiver = true)
    public static final class Unboxing {
        private Unboxing() {}

        @Adjoint(of = "doubleValue")
        public static double doubleValue(Number n, double v, double d) { return d; }

        @Adjoint(of = "floatValue")
        public static double floatValue(Number n, float v, double d) { return d; }
    }
}
