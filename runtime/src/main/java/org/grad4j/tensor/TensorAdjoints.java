package org.grad4j.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Accumulation of tensor adjoints, called by generated code. A null adjoint is zero. Sums are
 * out of place: adjoints are shared between rules ({@code add} hands the same {@code dz} to both
 * inputs) and views share memory, so nothing is ever updated in place.
 */
public final class TensorAdjoints {
    private TensorAdjoints() {}

    public static Object add(Object accumulated, Object contribution) {
        if (contribution == null) return accumulated;
        if (accumulated == null) return contribution;
        return ((INDArray) accumulated).add((INDArray) contribution);
    }
}
