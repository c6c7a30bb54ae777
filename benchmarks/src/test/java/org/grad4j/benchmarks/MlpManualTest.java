package org.grad4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.benchmarks.kernels.Mlp;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The MLP kernel's hand-written backward pass against central differences and against ND4J SameDiff. */
class MlpManualTest {
    @Test
    void manualGradientMatchesFiniteDifferences() {
        Mlp.Problem p = new Mlp.Problem(new int[] {7, 5, 4, 3}, 6, DataType.DOUBLE, 3);
        Mlp.Result m = p.manual();
        assertEquals(p.primal(), m.value(), 1e-12, "the hand-written forward pass is the same function");
        INDArray[] params = p.net.parameters();
        for (int k = 0; k < params.length; k++) {
            for (long i = 0; i < params[k].length(); i++) {
                double v = params[k].getDouble(i), h = 1e-6;
                params[k].putScalar(i, v + h);
                double plus = p.primal();
                params[k].putScalar(i, v - h);
                double minus = p.primal();
                params[k].putScalar(i, v);
                assertEquals((plus - minus) / (2 * h), m.gradients()[k].getDouble(i), 1e-8, Mlp.NAMES[k] + "[" + i + "]");
            }
        }
    }

    @Test
    void manualGradientMatchesSameDiff() {
        Mlp.Problem small = new Mlp.Problem(new int[] {7, 5, 4, 3}, 6, DataType.DOUBLE, 3);
        assertEquals(small.primal(), small.sameDiffValue(), 1e-12, "SameDiff's graph is the same function");
        assertTrue(Mlp.relativeError(small.manual().gradients(), small.sameDiff().gradients()) < 1e-12);

        Mlp.Problem bench = Mlp.Problem.benchmark();
        assertEquals(bench.primal(), bench.sameDiffValue(), 1e-5);
        double err = Mlp.relativeError(bench.manual().gradients(), bench.sameDiff().gradients());
        assertTrue(err < 1e-5, "float32 benchmark instance: manual vs SameDiff " + err);
    }
}
