package org.grad4j.runtime;

/**
 * The result of a stream's {@code sum()} or {@code average()} where the pipeline became a loop:
 * the value of the JDK's compensated (Kahan) sum, the derivative of the simple sum kept beside it.
 * Both sums have derivative 1 in every element; the rule ({@code StreamSumRules}) lets the
 * derivative pass through the simple one only, so the compensation's steps get no adjoint code.
 */
public final class StreamSums {
    private StreamSums() {}

    /** {@code compensated}, as the stream returns it; {@code simple} is there for its derivative. */
    public static double value(double compensated, double simple) {
        return compensated;
    }
}
