package org.grad4j.runtime;

/**
 * The rest of the program after a tensor ({@code INDArray}) result: runs it forward and
 * backward and returns the adjoint of {@code value} — an {@code INDArray}, or null for zero.
 * Typed {@code Object} so that the runtime needs ND4J only where tensors are used.
 */
@FunctionalInterface
public interface TensorContinuation {
    Object resume(Object value, Ctx ctx);
}
