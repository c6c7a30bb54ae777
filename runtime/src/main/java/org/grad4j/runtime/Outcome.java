package org.grad4j.runtime;

/**
 * What a gradient run produced: the function's value, the adjoint of every {@code double}/
 * {@code float} parameter (0 elsewhere) and the shadow of every array parameter (null for
 * data arrays and non-arrays), both indexed by parameter position.
 */
public record Outcome(double value, double[] scalarAdjoints, Object[] shadows) {
    public double adjoint(int parameter) {
        return scalarAdjoints[parameter];
    }

    public Object shadow(int parameter) {
        return shadows[parameter];
    }
}
