package org.grad4j;

/** A function of one {@code double}; serializable so that grad4j can find the lambda's body. */
@FunctionalInterface
public interface ScalarFunction extends java.io.Serializable {
    double apply(double x);
}
