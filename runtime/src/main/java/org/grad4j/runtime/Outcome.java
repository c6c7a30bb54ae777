package org.grad4j.runtime;

/**
 * What a gradient run produced: the function's value, the adjoint of every {@code double}/
 * {@code float} parameter (0 elsewhere) and, in {@code shadows}, the shadow of every array
 * parameter ({@code double}/{@code float} arrays, and {@code INDArray[]} with one element
 * adjoint per element) and the adjoint of every {@code INDArray} parameter (null for data
 * arrays, constants and other parameters), both indexed by parameter position. Tensor adjoints
 * that generated code left null are zeros shaped and typed like their tensors here.
 */
public record Outcome(double value, double[] scalarAdjoints, Object[] shadows, ParameterAdjoints parameters) {
    public Outcome(double value, double[] scalarAdjoints, Object[] shadows) {
        this(value, scalarAdjoints, shadows, null);
    }

    public double adjoint(int parameter) {
        return scalarAdjoints[parameter];
    }

    public Object shadow(int parameter) {
        return shadows[parameter];
    }

    /** The adjoint of an {@code INDArray} parameter (an {@code INDArray}, typed Object so that no ND4J is needed here). */
    public Object tensorAdjoint(int parameter) {
        return shadows[parameter];
    }
}
