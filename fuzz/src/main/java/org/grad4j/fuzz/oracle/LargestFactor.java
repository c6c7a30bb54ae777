package org.grad4j.fuzz.oracle;

/**
 * The largest value or partial derivative the oracle met while running a program (per thread).
 *
 * <p>Forward mode multiplies partial derivatives from the inputs onwards; reverse mode multiplies
 * the same partials from the output backwards. When the program's values are huge, a product of
 * a few of them can overflow in one order and not in the other: a reverse adjoint becomes ∞ and
 * then meets a partial of exactly 0 (∞ · 0 = NaN) where the forward tangent was 0 all along. Both
 * tools are right to the letter of IEEE arithmetic, so {@code Check} counts a non-finite gradient
 * as degenerate, not as a failure, when this factor shows such values.
 */
public final class LargestFactor {
    /** Beyond this, a product of five such factors overflows a {@code double}. */
    public static final double OVERFLOW_RISK = 1e60;

    private static final ThreadLocal<double[]> LARGEST = ThreadLocal.withInitial(() -> new double[1]);

    private LargestFactor() {}

    public static void reset() {
        LARGEST.get()[0] = 0;
    }

    public static double get() {
        return LARGEST.get()[0];
    }

    static void saw(double factor) {
        double[] largest = LARGEST.get();
        double m = Math.abs(factor);
        if (m > largest[0]) largest[0] = m;
    }
}
