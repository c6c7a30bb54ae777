package org.grad4j;

/** A function of a {@code double[]}; serializable so that grad4j can find the lambda's body. */
@FunctionalInterface
public interface VectorFunction extends java.io.Serializable {
    double apply(double[] x);
}
