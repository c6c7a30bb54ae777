package org.grad4j.rules;

/**
 * Rules for the FastMath look-alikes' methods that {@code java.lang.Math} lacks (the shared ones
 * are in {@link MathRules}). Integer exponents carry no adjoint. Public, as every built-in rule
 * is: generated code in the program's packages calls it.
 */
@RulesFor({"org/apache/commons/math3/util/FastMath", "org/apache/commons/math4/core/jdkmath/AccurateMath",
        "org/apache/commons/math4/core/jdkmath/JdkMath", "org/hipparchus/util/FastMath"})
public final class FastMathRules {
    private FastMathRules() {}

    /** pow(x, n)' = n·x^(n-1); 0 for n = 0 (the constant 1, even at x = 0). */
    @Adjoint(of = "pow")
    public static double pow(double x, int n, double y, double dy) {
        return n == 0 ? 0 : MathRules.scale(dy, n * Math.pow(x, n - 1.0));
    }

    @Adjoint(of = "pow")
    public static double pow(double x, long n, double y, double dy) {
        return n == 0 ? 0 : MathRules.scale(dy, n * Math.pow(x, n - 1.0));
    }
}
