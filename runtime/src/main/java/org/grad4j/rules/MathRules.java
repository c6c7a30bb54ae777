package org.grad4j.rules;

/** Reverse rules of {@code java.lang.Math}, {@code StrictMath} and the FastMath look-alikes. */
@RulesFor({"java/lang/Math", "java/lang/StrictMath",
        "org/apache/commons/math3/util/FastMath", "org/apache/commons/math4/core/jdkmath/AccurateMath",
        "org/hipparchus/util/FastMath"})
@ZeroDerivative(name = "floor", descriptor = "(D)D")
@ZeroDerivative(name = "ceil", descriptor = "(D)D")
@ZeroDerivative(name = "rint", descriptor = "(D)D")
@ZeroDerivative(name = "signum", descriptor = "(D)D")
@ZeroDerivative(name = "signum", descriptor = "(F)F")
final class MathRules {
    private MathRules() {}

    @Adjoint(of = "sin")
    static double sin(double x, double y, double dy) { return dy * Math.cos(x); }

    @Adjoint(of = "cos")
    static double cos(double x, double y, double dy) { return -dy * Math.sin(x); }

    @Adjoint(of = "exp")
    static double exp(double x, double y, double dy) { return dy * y; }

    @Adjoint(of = "log")
    static double log(double x, double y, double dy) { return dy / x; }

    @Adjoint(of = "sqrt")
    static double sqrt(double x, double y, double dy) { return dy * 0.5 / y; }

    @Adjoint(of = "pow", arg = 0)
    static double powBase(double x, double p, double y, double dy) {
        return p == 0 ? 0 : dy * p * Math.pow(x, p - 1);
    }

    @Adjoint(of = "pow", arg = 1)
    static double powExponent(double x, double p, double y, double dy) {
        return x > 0 ? dy * y * Math.log(x) : 0;
    }

    @Adjoint(of = "abs")
    static double abs(double x, double y, double dy) { return x > 0 ? dy : x < 0 ? -dy : 0; }

    @Adjoint(of = "tanh")
    static double tanh(double x, double y, double dy) { return dy * (1 - y * y); }
}
