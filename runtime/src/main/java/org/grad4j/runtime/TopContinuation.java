package org.grad4j.runtime;

import org.grad4j.GradientException;

/**
 * The runtime's continuation at the top of a gradient (DESIGN §5): the rest of the program
 * after the differentiated function is nothing, so it records the value and seeds the adjoint
 * of the output — returns it for a scalar (1 for a loss), adds it into the result's shadow for
 * an array ({@code AD.vjp}, or one unit row of {@code AD.jacobian}). Generated code must call
 * it exactly once.
 */
public final class TopContinuation implements DoubleContinuation, FloatContinuation, ArrayContinuation, ValueUnread {
    private final double seed;
    private final double[] seedVector;
    private final int seedIndex;
    /** False for {@code AD.gradient}: only the adjoints are wanted, see {@link #discardsValue}. */
    private final boolean keepsValue;
    private double value;
    private Object arrayValue;
    private boolean resumed;

    private TopContinuation(double seed, double[] seedVector, int seedIndex, boolean keepsValue) {
        this.seed = seed;
        this.seedVector = seedVector;
        this.seedIndex = seedIndex;
        this.keepsValue = keepsValue;
    }

    /** For a scalar output: the adjoint of the output is {@code seed}. */
    public static TopContinuation scalar(double seed) {
        return new TopContinuation(seed, null, -1, true);
    }

    /**
     * For a scalar output whose adjoint is 1 and whose value nobody reads ({@code AD.gradient}):
     * generated code may skip work that only forms the value, and {@link #value()} is NaN.
     */
    public static TopContinuation gradientOnly() {
        return new TopContinuation(1.0, null, -1, false);
    }

    /** For an array output: its adjoint is {@code seed} (same length as the output). */
    public static TopContinuation vector(double[] seed) {
        return new TopContinuation(0, seed, -1, true);
    }

    /** For an array output: its adjoint is the unit vector {@code e_index} (nothing when index is out of range). */
    public static TopContinuation unit(int index) {
        return new TopContinuation(0, null, index, true);
    }

    /**
     * Whether {@code k} is a top continuation that will return the seed 1 for a scalar result:
     * code whose result goes to it as it is knows the result's adjoint before it runs (a sum
     * returned by the loop that forms it, see {@code TapedLoops.Reduction}).
     */
    public static boolean seedsOne(Object k) {
        return k instanceof TopContinuation t && t.seedVector == null && t.seedIndex < 0 && t.seed == 1.0;
    }

    /**
     * Whether {@code k} does not read the value it is given ({@link ValueUnread}): a loop
     * that sums what is returned may then skip the arithmetic that only forms the sum (see {@code
     * TapedLoops.Reduction#sumOnly}), as hand-written gradients do.
     */
    public static boolean discardsValue(Object k) {
        return k instanceof ValueUnread u && u.discardsValue();
    }

    @Override
    public boolean discardsValue() {
        return !keepsValue; // only gradientOnly(), a scalar output's, does not keep it
    }

    private void once(Ctx ctx) {
        if (resumed) {
            throw new GradientException("grad4j internal error: generated code resumed the top continuation twice");
        }
        resumed = true;
        ctx.reverseStarts();
    }

    @Override
    public double resume(double v, Ctx ctx) {
        once(ctx);
        value = v;
        return seed;
    }

    @Override
    public double resume(float v, Ctx ctx) {
        return resume((double) v, ctx);
    }

    @Override
    public void resume(Object v, Object shadow, Ctx ctx) {
        once(ctx);
        arrayValue = v;
        if (v == null) {
            throw new GradientException("grad4j: the function returned null where its array of outputs is needed "
                    + "(AD.jacobian, AD.vjp); return an array (of length 0 for no outputs), or throw an exception of your own");
        }
        int n = java.lang.reflect.Array.getLength(v);
        if (seedVector != null && seedVector.length != n) {
            throw new GradientException("grad4j: the seed has length " + seedVector.length + " but the function returned "
                    + "an array of length " + n + "; pass a seed with one entry per output");
        }
        if (shadow == null) return; // the output does not depend on the inputs
        for (int i = 0; i < n; i++) {
            double s = seedVector != null ? seedVector[i] : i == seedIndex ? 1 : 0;
            if (s == 0) continue;
            if (shadow instanceof double[] d) d[i] += s;
            else ((float[]) shadow)[i] += (float) s;
        }
    }

    private void checkResumed() {
        if (!resumed) {
            throw new GradientException("grad4j internal error: the generated entry returned without calling its continuation");
        }
    }

    /**
     * The function's value (NaN for {@link #gradientOnly()}, which does not keep it); throws if
     * generated code never resumed (a transformer bug).
     */
    public double value() {
        checkResumed();
        return keepsValue ? value : Double.NaN;
    }

    /** The array the function returned. */
    public Object arrayValue() {
        checkResumed();
        return arrayValue;
    }
}
