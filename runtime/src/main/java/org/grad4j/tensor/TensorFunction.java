package org.grad4j.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A scalar function of a tensor; serializable so that grad4j can find its body. */
@FunctionalInterface
public interface TensorFunction extends java.io.Serializable {
    double apply(INDArray x);
}
