package org.grad4j.transformer.examples;

import org.grad4j.rules.Adjoint;
import org.grad4j.rules.RulesFor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The few tensor rules these tests need, so that the transformer is tested apart from the runtime's rule set. */
final class TensorRulesForTests {
    private TensorRulesForTests() {}

    @RulesFor(value = "org/nd4j/linalg/api/ndarray/INDArray", receiver = true)
    public static final class Methods {
        @Adjoint(of = "mmul", arg = 0)
        public static INDArray mmulLeft(INDArray a, INDArray b, INDArray c, INDArray dc) {
            return dc.mmul(b.transpose());
        }

        @Adjoint(of = "mmul", arg = 1)
        public static INDArray mmulRight(INDArray a, INDArray b, INDArray c, INDArray dc) {
            return a.transpose().mmul(dc);
        }

        @Adjoint(of = "sumNumber")
        public static INDArray sumNumber(INDArray a, Number s, double ds) {
            return a.like().assign(ds);
        }
    }

    @RulesFor(value = "java/lang/Number", receiver = true)
    public static final class Numbers {
        @Adjoint(of = "doubleValue")
        public static double doubleValue(Number n, double v, double dv) {
            return dv;
        }
    }

    @RulesFor("org/nd4j/linalg/ops/transforms/Transforms")
    public static final class Functions {
        @Adjoint(of = "tanh")
        public static INDArray tanh(INDArray x, INDArray y, INDArray dy) {
            return dy.mul(y.mul(y).rsub(1.0));
        }
    }
}
