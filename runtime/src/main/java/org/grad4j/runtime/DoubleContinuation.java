package org.grad4j.runtime;

/**
 * The rest of the program after a {@code double} result: runs it forward and backward and
 * returns the adjoint of {@code value}.
 */
@FunctionalInterface
public interface DoubleContinuation {
    double resume(double value, Ctx ctx);
}
