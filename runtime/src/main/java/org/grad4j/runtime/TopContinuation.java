package org.grad4j.runtime;

import org.grad4j.GradientException;

/**
 * The runtime's continuation at the top of a gradient (DESIGN §5): the rest of the program
 * after the differentiated function is nothing, so it records the value and returns the seed,
 * the adjoint of the output (1 for a scalar loss). Generated code must call it exactly once.
 */
final class TopContinuation implements DoubleContinuation, FloatContinuation {
    private final double seed;
    private double value;
    private boolean resumed;

    TopContinuation(double seed) {
        this.seed = seed;
    }

    @Override
    public double resume(double v, Ctx ctx) {
        if (resumed) {
            throw new GradientException("grad4j internal error: generated code resumed the top continuation twice");
        }
        resumed = true;
        value = v;
        return seed;
    }

    @Override
    public double resume(float v, Ctx ctx) {
        return resume((double) v, ctx);
    }

    /** The function's value; throws if generated code never resumed (a transformer bug). */
    double value() {
        if (!resumed) {
            throw new GradientException("grad4j internal error: the generated entry returned without calling its continuation");
        }
        return value;
    }
}
