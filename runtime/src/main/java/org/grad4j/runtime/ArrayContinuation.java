package org.grad4j.runtime;

/**
 * The rest of the program after an array result: runs it forward and backward; the adjoint of
 * the result accumulates in its shadow {@code shadow} (null when the result is a data array),
 * so nothing is returned.
 */
@FunctionalInterface
public interface ArrayContinuation {
    void resume(Object value, Object shadow, Ctx ctx);
}
