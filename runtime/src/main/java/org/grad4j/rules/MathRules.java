package org.grad4j.rules;

/**
 * Reverse rules of {@code java.lang.Math}, {@code StrictMath} and the FastMath look-alikes
 * (Commons Math 3 {@code FastMath}, Commons Math 4 {@code AccurateMath}/{@code JdkMath},
 * Hipparchus {@code FastMath}), which share names and signatures. A rule listed here for a
 * method one of those classes lacks is simply never matched.
 *
 * <p>Conventions where the derivative does not exist (each choice is a valid subgradient or
 * one-sided derivative, and all are pinned by {@code MathRulesTest}):
 * <ul>
 *   <li>{@code abs'(0) = 0}; {@code copySign(a, b)} is {@code ±a}, its derivative in {@code a}
 *       is the sign relating {@code a} and the result, and 0 at {@code a = 0} like abs; the
 *       sign argument {@code b} gets no adjoint.</li>
 *   <li>{@code max}/{@code min} give the whole adjoint to the argument they return; on a tie,
 *       to the first argument; when an argument is NaN, to the NaN argument (first one first).</li>
 *   <li>Step functions {@code floor ceil rint signum ulp} have derivative 0 (declared
 *       {@link ZeroDerivative}); {@code round}, {@code getExponent}, {@code floorDiv} … return
 *       integers, which carry no adjoint, so need no rule.</li>
 *   <li>{@code nextUp}, {@code nextDown} and {@code nextAfter(x, direction)} are treated as the
 *       identity in {@code x} (derivative 1): they move {@code x} by one ulp, and a zero
 *       derivative would silently cut the gradient of code that nudges a value off a
 *       boundary. {@code direction} gets no adjoint.</li>
 *   <li>{@code pow(x, p)}: the exponent's derivative {@code y·ln x} is taken as 0 for
 *       {@code x <= 0}; the base's derivative is 0 when {@code p == 0} (the result is the
 *       constant 1, even at {@code x = 0}).</li>
 *   <li>{@code atan2} and {@code hypot} at the origin: 0.</li>
 *   <li>{@code IEEEremainder(x, y) = x - n·y} with {@code n} the integer nearest {@code x/y}:
 *       derivative 1 in {@code x} and {@code -n} in {@code y} (the jumps at half-integers of
 *       {@code x/y} are ignored, like floor's).</li>
 *   <li>Where the derivative is infinite ({@code sqrt} and {@code cbrt} at 0, {@code log} at 0,
 *       {@code asin}/{@code acos} at ±1, {@code exp}, {@code sinh}, {@code cosh} where they overflow,
 *       …), a zero result adjoint contributes exactly 0 rather
 *       than {@code 0·∞ = NaN}: a value that does not reach the output must not poison the
 *       gradient.</li>
 * </ul>
 *
 * <p>Float overloads ({@code abs(F)F}, …) return their adjoint as a {@code double} like all
 * adjoint methods; the transformer narrows where a float adjoint is stored.
 */
@RulesFor({"java/lang/Math", "java/lang/StrictMath",
        "org/apache/commons/math3/util/FastMath", "org/apache/commons/math4/core/jdkmath/AccurateMath",
        "org/apache/commons/math4/core/jdkmath/JdkMath", "org/hipparchus/util/FastMath"})
@ZeroDerivative(name = "floor", descriptor = "(D)D")
@ZeroDerivative(name = "ceil", descriptor = "(D)D")
@ZeroDerivative(name = "rint", descriptor = "(D)D")
@ZeroDerivative(name = "signum", descriptor = "(D)D")
@ZeroDerivative(name = "signum", descriptor = "(F)F")
@ZeroDerivative(name = "ulp", descriptor = "(D)D")
@ZeroDerivative(name = "ulp", descriptor = "(F)F")
public final class MathRules {
    private static final double LN10 = Math.log(10);

    private MathRules() {}

    /** {@code dy · derivative}, but exactly 0 when {@code dy} is 0 even if the derivative is infinite. */
    public static double scale(double dy, double derivative) {
        return dy == 0 ? 0 : dy * derivative;
    }

    // ---- trigonometric

    @Adjoint(of = "sin")
    public static double sin(double x, double y, double dy) { return dy * Math.cos(x); }

    @Adjoint(of = "cos")
    public static double cos(double x, double y, double dy) { return -dy * Math.sin(x); }

    /** tan' = 1 + tan²: uses the result, and stays accurate near ±π/2 where cos² loses digits. */
    @Adjoint(of = "tan")
    public static double tan(double x, double y, double dy) { return scale(dy, 1 + y * y); }

    @Adjoint(of = "asin")
    public static double asin(double x, double y, double dy) { return scale(dy, 1 / Math.sqrt((1 - x) * (1 + x))); }

    @Adjoint(of = "acos")
    public static double acos(double x, double y, double dy) { return scale(dy, -1 / Math.sqrt((1 - x) * (1 + x))); }

    @Adjoint(of = "atan")
    public static double atan(double x, double y, double dy) { return dy / (1 + x * x); }

    /** atan2(a, b) is the angle of the point (b, a): ∂/∂a = b / r², ∂/∂b = -a / r². */
    @Adjoint(of = "atan2", arg = 0)
    public static double atan2Y(double a, double b, double y, double dy) {
        double r = Math.hypot(a, b);
        return r == 0 ? 0 : dy * (b / r) / r;
    }

    @Adjoint(of = "atan2", arg = 1)
    public static double atan2X(double a, double b, double y, double dy) {
        double r = Math.hypot(a, b);
        return r == 0 ? 0 : -dy * (a / r) / r;
    }

    @Adjoint(of = "toRadians")
    public static double toRadians(double x, double y, double dy) { return dy * (Math.PI / 180); }

    @Adjoint(of = "toDegrees")
    public static double toDegrees(double x, double y, double dy) { return dy * (180 / Math.PI); }

    // ---- hyperbolic

    @Adjoint(of = "sinh")
    public static double sinh(double x, double y, double dy) { return scale(dy, Math.cosh(x)); }

    @Adjoint(of = "cosh")
    public static double cosh(double x, double y, double dy) { return scale(dy, Math.sinh(x)); }

    @Adjoint(of = "tanh")
    public static double tanh(double x, double y, double dy) { return dy * (1 - y * y); }

    // ---- exponential and logarithm

    @Adjoint(of = "exp")
    public static double exp(double x, double y, double dy) { return scale(dy, y); }

    /** expm1' = e^x = y + 1. */
    @Adjoint(of = "expm1")
    public static double expm1(double x, double y, double dy) { return scale(dy, y + 1); }

    @Adjoint(of = "log")
    public static double log(double x, double y, double dy) { return scale(dy, 1 / x); }

    @Adjoint(of = "log10")
    public static double log10(double x, double y, double dy) { return scale(dy, 1 / (x * LN10)); }

    @Adjoint(of = "log1p")
    public static double log1p(double x, double y, double dy) { return scale(dy, 1 / (1 + x)); }

    // ---- powers and roots

    @Adjoint(of = "sqrt")
    public static double sqrt(double x, double y, double dy) { return scale(dy, 0.5 / y); }

    /** cbrt' = 1 / (3 y²). */
    @Adjoint(of = "cbrt")
    public static double cbrt(double x, double y, double dy) { return scale(dy, 1 / (3 * y * y)); }

    @Adjoint(of = "pow", arg = 0)
    public static double powBase(double x, double p, double y, double dy) {
        return p == 0 ? 0 : scale(dy, p * Math.pow(x, p - 1));
    }

    @Adjoint(of = "pow", arg = 1)
    public static double powExponent(double x, double p, double y, double dy) {
        return x > 0 ? scale(dy, y * Math.log(x)) : 0;
    }

    @Adjoint(of = "hypot", arg = 0)
    public static double hypotX(double a, double b, double h, double dy) { return h == 0 ? 0 : dy * (a / h); }

    @Adjoint(of = "hypot", arg = 1)
    public static double hypotY(double a, double b, double h, double dy) { return h == 0 ? 0 : dy * (b / h); }

    /** scalb(x, s) = x·2^s; scaling dy itself avoids overflow of 2^s where x·2^s is finite. */
    @Adjoint(of = "scalb")
    public static double scalb(double x, int s, double y, double dy) { return Math.scalb(dy, s); }

    @Adjoint(of = "scalb")
    public static double scalb(float x, int s, float y, double dy) { return Math.scalb(dy, s); }

    // ---- products and remainders

    @Adjoint(of = "fma", arg = 0)
    public static double fmaA(double a, double b, double c, double y, double dy) { return scale(dy, b); }

    @Adjoint(of = "fma", arg = 1)
    public static double fmaB(double a, double b, double c, double y, double dy) { return scale(dy, a); }

    @Adjoint(of = "fma", arg = 2)
    public static double fmaC(double a, double b, double c, double y, double dy) { return dy; }

    @Adjoint(of = "fma", arg = 0)
    public static double fmaA(float a, float b, float c, float y, double dy) { return scale(dy, b); }

    @Adjoint(of = "fma", arg = 1)
    public static double fmaB(float a, float b, float c, float y, double dy) { return scale(dy, a); }

    @Adjoint(of = "fma", arg = 2)
    public static double fmaC(float a, float b, float c, float y, double dy) { return dy; }

    @Adjoint(of = "IEEEremainder", arg = 0)
    public static double remainderX(double x, double d, double r, double dy) { return dy; }

    /** r = x - n·d, so ∂r/∂d = -n; n is recovered from the result (exact up to rounding, hence rint). */
    @Adjoint(of = "IEEEremainder", arg = 1)
    public static double remainderD(double x, double d, double r, double dy) {
        return -scale(dy, Math.rint((x - r) / d));
    }

    // ---- sign, magnitude and selection

    @Adjoint(of = "abs")
    public static double abs(double x, double y, double dy) { return x > 0 ? dy : x < 0 ? -dy : 0; }

    @Adjoint(of = "abs")
    public static double abs(float x, float y, double dy) { return x > 0 ? dy : x < 0 ? -dy : 0; }

    /** copySign(a, b) = ±a: +1 when the sign bits of a and the result agree, else -1; 0 at a = 0 like abs. */
    @Adjoint(of = "copySign")
    public static double copySign(double a, double b, double y, double dy) {
        if (a == 0) return 0;
        return (Double.doubleToRawLongBits(a) ^ Double.doubleToRawLongBits(y)) < 0 ? -dy : dy;
    }

    @Adjoint(of = "copySign")
    public static double copySign(float a, float b, float y, double dy) {
        if (a == 0) return 0;
        return (Float.floatToRawIntBits(a) ^ Float.floatToRawIntBits(y)) < 0 ? -dy : dy;
    }

    /** The first argument gets the adjoint when it is the result: equal (ties included) or NaN. */
    private static boolean firstSelected(double a, double y) {
        return a == y || a != a;
    }

    @Adjoint(of = "max", arg = 0)
    public static double max0(double a, double b, double y, double dy) { return firstSelected(a, y) ? dy : 0; }

    @Adjoint(of = "max", arg = 1)
    public static double max1(double a, double b, double y, double dy) { return firstSelected(a, y) ? 0 : dy; }

    @Adjoint(of = "min", arg = 0)
    public static double min0(double a, double b, double y, double dy) { return firstSelected(a, y) ? dy : 0; }

    @Adjoint(of = "min", arg = 1)
    public static double min1(double a, double b, double y, double dy) { return firstSelected(a, y) ? 0 : dy; }

    @Adjoint(of = "max", arg = 0)
    public static double max0(float a, float b, float y, double dy) { return firstSelected(a, y) ? dy : 0; }

    @Adjoint(of = "max", arg = 1)
    public static double max1(float a, float b, float y, double dy) { return firstSelected(a, y) ? 0 : dy; }

    @Adjoint(of = "min", arg = 0)
    public static double min0(float a, float b, float y, double dy) { return firstSelected(a, y) ? dy : 0; }

    @Adjoint(of = "min", arg = 1)
    public static double min1(float a, float b, float y, double dy) { return firstSelected(a, y) ? 0 : dy; }

    // ---- one-ulp moves: identity in x (see the class comment)

    @Adjoint(of = "nextUp")
    public static double nextUp(double x, double y, double dy) { return dy; }

    @Adjoint(of = "nextUp")
    public static double nextUp(float x, float y, double dy) { return dy; }

    @Adjoint(of = "nextDown")
    public static double nextDown(double x, double y, double dy) { return dy; }

    @Adjoint(of = "nextDown")
    public static double nextDown(float x, float y, double dy) { return dy; }

    @Adjoint(of = "nextAfter")
    public static double nextAfter(double x, double direction, double y, double dy) { return dy; }

    @Adjoint(of = "nextAfter")
    public static double nextAfter(float x, double direction, float y, double dy) { return dy; }
}
