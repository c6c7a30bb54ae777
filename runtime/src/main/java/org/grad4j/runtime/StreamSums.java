package org.grad4j.runtime;

/**
 * The result of a stream's {@code sum()} or {@code average()} where the pipeline became a loop:
 * the JDK's compensated (Kahan) sum ({@code Collectors.computeFinalSum} of its two halves), with
 * the derivative of the simple sum kept beside it. Both sums have derivative 1 in every element;
 * the rule ({@code StreamSumRules}) lets the derivative pass through the simple one only, so the
 * compensation's steps get no adjoint code — and, since its adjoint reads none of its arguments,
 * a gradient that does not keep the value skips them (the transformer's {@code ResultOnly}).
 *
 * <p>One call, not the JDK's branch on a NaN in the generated code: a branch on the sum would make
 * the sum needed for its own sake.
 */
public final class StreamSums {
    private StreamSums() {}

    /**
     * Whether this JDK's final sum subtracts the compensation (JDK-8214761 fixed its sign in 18 and
     * in updates of 17): asked of the JDK itself, with a sum whose two forms differ.
     */
    private static final boolean COMPENSATION_SUBTRACTED = compensationSubtracted();

    private static boolean compensationSubtracted() {
        double[] values = {263.0 / 7, 28.0 / 3, 828.0 / 11}; // high - low and high + low differ by an ulp
        double high = 0, low = 0;
        for (double v : values) {
            double tmp = v - low, sum = high + tmp;
            low = (sum - high) - tmp;
            high = sum;
        }
        return java.util.stream.DoubleStream.of(values).sum() == high - low;
    }

    /**
     * The stream's sum from the loop's three: the compensated sum's {@code high} and {@code low},
     * or the simple sum where the compensated one is NaN and the simple one infinite (as {@code
     * Collectors.computeFinalSum}); {@code simple} is there for its derivative too.
     */
    public static double value(double high, double low, double simple) {
        double compensated = COMPENSATION_SUBTRACTED ? high - low : high + low;
        return Double.isNaN(compensated) && Double.isInfinite(simple) ? simple : compensated;
    }
}
