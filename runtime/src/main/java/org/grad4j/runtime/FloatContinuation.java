package org.grad4j.runtime;

/** The rest of the program after a {@code float} result; returns its adjoint (as a double). */
@FunctionalInterface
public interface FloatContinuation {
    double resume(float value, Ctx ctx);
}
