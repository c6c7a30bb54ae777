package org.grad4j;

/** A function from a {@code double[]} to a {@code double[]}; serializable so that grad4j can find its body. */
@FunctionalInterface
public interface ArrayFunction extends java.io.Serializable {
    double[] apply(double[] x);
}
