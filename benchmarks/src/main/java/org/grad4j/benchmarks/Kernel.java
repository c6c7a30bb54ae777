package org.grad4j.benchmarks;

/**
 * One benchmark problem: a function of a parameter vector written as plain Java, the same
 * function's hand-written adjoint, and its gradient by grad4j. Implementations hold their data
 * (built deterministically in the constructor); {@link #point()} is where the gradient is taken.
 */
public interface Kernel {
    /** The name JMH's {@code kernel} parameter uses. */
    String name();

    /** What the kernel computes and its size, for the report. */
    String description();

    /** A fresh copy of the point the benchmarks evaluate at. */
    double[] point();

    /** The function itself: ordinary Java, as a plain call runs it. */
    double value(double[] x);

    /** The gradient by the hand-written adjoint code (a new array). */
    double[] manualGradient(double[] x);

    /** The gradient by grad4j ({@code AD.gradient} of the same method; needs the agent). */
    double[] grad4jGradient(double[] x);
}
