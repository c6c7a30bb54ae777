package org.grad4j;

import java.util.Arrays;

/** A function's value and its gradient at one point, from one forward and one reverse pass. */
public final class ValueAndGradient {
    private final double value;
    private final double[] gradient;

    public ValueAndGradient(double value, double[] gradient) {
        this.value = value;
        this.gradient = gradient;
    }

    public double value() {
        return value;
    }

    /** The gradient, shaped like the input; a fresh array owned by the caller. */
    public double[] gradient() {
        return gradient;
    }

    @Override
    public String toString() {
        return "ValueAndGradient[value=" + value + ", gradient=" + Arrays.toString(gradient) + "]";
    }
}
