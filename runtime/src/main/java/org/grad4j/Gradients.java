package org.grad4j;

import java.util.Arrays;

/**
 * The value of a method and the gradient with respect to each of its parameters, from
 * {@link AD#gradient(java.lang.reflect.Method, Object, Object...)}.
 *
 * <p>{@link #get} gives, per parameter: a {@link Double} for a {@code double} or {@code float}
 * parameter; for an array of doubles or floats, an array of the same type and shape
 * ({@code double[]}, {@code double[][]}, {@code float[]}, …; null when the argument was null);
 * for an ND4J {@code INDArray}, an {@code INDArray} of its shape and dtype; for an
 * {@code INDArray[]}, an {@code INDArray[]} with one gradient per element;
 * null for a parameter that is not differentiable ({@code int}, {@code long}, objects). When
 * the same array object was passed for two parameters, both get the one shared gradient array,
 * the adjoint of that object.
 */
public final class Gradients {
    private final double value;
    private final Object[] byParameter;

    public Gradients(double value, Object[] byParameter) {
        this.value = value;
        this.byParameter = byParameter.clone();
    }

    /** The method's return value (a float result widened). */
    public double value() {
        return value;
    }

    public Object get(int parameterIndex) {
        if (parameterIndex < 0 || parameterIndex >= byParameter.length) {
            throw new IndexOutOfBoundsException("parameter " + parameterIndex + " of a method with "
                    + byParameter.length + " parameter(s)");
        }
        return byParameter[parameterIndex];
    }

    /** The number of parameters of the method. */
    public int size() {
        return byParameter.length;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Gradients[value=").append(value);
        for (int i = 0; i < byParameter.length; i++) {
            Object g = byParameter[i];
            sb.append(", ").append(i).append('=').append(g instanceof Object[] a ? Arrays.deepToString(a)
                    : g instanceof double[] d ? Arrays.toString(d) : g instanceof float[] f ? Arrays.toString(f) : g);
        }
        return sb.append(']').toString();
    }
}
