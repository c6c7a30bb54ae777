package org.grad4j.tensor;

import org.grad4j.rules.RulesFor;
import org.grad4j.rules.ZeroDerivative;

/** {@code TensorAD.stopGradient}: the tensor's values pass, its derivative does not. */
@RulesFor("org/grad4j/tensor/TensorAD")
@ZeroDerivative(name = "stopGradient", descriptor = "(Lorg/nd4j/linalg/api/ndarray/INDArray;)Lorg/nd4j/linalg/api/ndarray/INDArray;")
public final class TensorADRules {
    private TensorADRules() {}
}
