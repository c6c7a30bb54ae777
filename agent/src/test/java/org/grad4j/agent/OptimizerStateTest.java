package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.AD;
import org.grad4j.GradientException;
import org.grad4j.Model;
import org.grad4j.Optimizer;
import org.grad4j.Parameter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An optimiser's state belongs to the parameter object: a field given a new array or tensor
 * (fine-tuning a new head) is stepped from fresh state, whatever its length. Expected values are
 * worked out by hand from the update rules in each test's comment.
 */
class OptimizerStateTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static final class Head {
        @Parameter double[] w = {1};

        /** 2·w[0]: ∂/∂w = (2, 0, …). */
        double loss() {
            return 2 * w[0];
        }
    }

    @Test
    void aReplacedArrayParameterStartsFromFreshMomentum() {
        // momentum SGD, lr 0.1, μ 0.9, g = 2: v = 2, w = 1 − 0.2 = 0.8; v = 0.9·2 + 2 = 3.8, w = 0.8 − 0.38 = 0.42
        Head model = new Head();
        Optimizer sgd = Optimizer.sgd(0.1, 0.9);
        sgd.step(Model.gradient(model, Head::loss));
        sgd.step(Model.gradient(model, Head::loss));
        assertEquals(0.42, model.w[0], 1e-15);

        // same length, new object: fresh velocity v = 2, w = 1 − 0.2 (the old velocity would give 1 − 0.542)
        model.w = new double[] {1};
        sgd.step(Model.gradient(model, Head::loss));
        assertEquals(0.8, model.w[0], 1e-15);

        // longer: fresh velocity (2, 0), not the old one of length 1 read out of bounds
        model.w = new double[] {1, 1, 1};
        sgd.step(Model.gradient(model, Head::loss));
        assertArrayEquals(new double[] {0.8, 1, 1}, model.w, 1e-15);
    }

    static final class Net {
        @Parameter INDArray w = Nd4j.ones(DataType.DOUBLE, 3, 4);
        @Parameter INDArray[] layers = {Nd4j.ones(DataType.DOUBLE, 2), Nd4j.ones(DataType.DOUBLE, 2)};

        /** Σ w² + Σ layers[0]² + Σ layers[1]²: ∂/∂w = 2w, ∂/∂layers[i] = 2·layers[i]. */
        double loss() {
            return w.mul(w).sumNumber().doubleValue() + layers[0].mul(layers[0]).sumNumber().doubleValue()
                    + layers[1].mul(layers[1]).sumNumber().doubleValue();
        }
    }

    /** Adam's first step on a parameter, lr 0.1: m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g², p − 0.1·g/(|g| + ε). */
    private static double firstAdamStep(double p) {
        double g = 2 * p;
        double m = 0.1 * g / (1 - 0.9), v = 0.001 * g * g / (1 - 0.999);
        return p - 0.1 * m / (Math.sqrt(v) + 1e-8);
    }

    @Test
    void aReplacedTensorOrTensorArrayElementStartsFromFreshAdamState() {
        Net model = new Net();
        Optimizer adam = Optimizer.adam(0.1);
        for (int i = 0; i < 3; i++) adam.step(Model.gradient(model, Net::loss));

        // a larger head (3×8 for 3×4) and a larger element: fresh moments, and bias correction from step 1
        model.w = Nd4j.ones(DataType.DOUBLE, 3, 8).muli(-1);
        model.layers[1] = Nd4j.ones(DataType.DOUBLE, 5).muli(0.5);
        INDArray kept = model.layers[0].dup();
        adam.step(Model.gradient(model, Net::loss));
        assertTrue(model.w.equalsWithEps(Nd4j.valueArrayOf(new long[] {3, 8}, firstAdamStep(-1), DataType.DOUBLE), 1e-15),
                model.w.toString());
        assertTrue(model.layers[1].equalsWithEps(Nd4j.valueArrayOf(new long[] {5}, firstAdamStep(0.5), DataType.DOUBLE), 1e-15),
                model.layers[1].toString());
        // the element kept its state: its fourth step is not a first step
        assertTrue(model.layers[0].getDouble(0) != firstAdamStep(kept.getDouble(0)), model.layers[0].toString());

        // the same shape, new object: fresh too (the old state, at step 5, would move it by about 0.02)
        model.w = Nd4j.ones(DataType.DOUBLE, 3, 8).muli(-1);
        adam.step(Model.gradient(model, Net::loss));
        assertEquals(firstAdamStep(-1), model.w.getDouble(2, 7), 1e-15);
    }

    static final class RepeatedRow {
        @Parameter double[][] w;

        RepeatedRow() {
            double[] r = {1, 2};
            w = new double[][] {r, r};
        }

        double loss() {
            return w[0][0] * 3 + w[1][0] * 5;
        }
    }

    @Test
    void aMatrixParameterHoldingOneRowTwiceIsRefused() {
        // one row at two indices would get [[3, 0], [5, 0]] rather than one gradient [8, 0] for the row
        String message = assertThrows(GradientException.class, () -> Model.gradient(new RepeatedRow(), RepeatedRow::loss))
                .getMessage();
        assertTrue(message.contains("rows 0 and 1 of the @Parameter w") && message.contains("RepeatedRow.w")
                && message.contains("same double[] object") && message.contains("its own array"), message);
    }
}
