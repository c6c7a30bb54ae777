package org.grad4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A learning-rate schedule changes the step size and keeps the optimizer's state. */
class OptimizerLearningRateTest {

    @Test
    void momentumKeepsItsVelocityWhenTheRateChanges() {
        Optimizer sgd = Optimizer.sgd(0.1, 0.5);
        Object[] slots = new Object[3];
        double[] g = {1, -2};
        assertArrayEquals(new double[] {0.1, -0.2}, sgd.updateFlat(g, slots), 1e-15); // v = g
        sgd.setLearningRate(0.01);
        // v = 0.5 v + g = 1.5 g, step 0.01 v
        assertArrayEquals(new double[] {0.015, -0.03}, sgd.updateFlat(g, slots), 1e-15);
    }

    @Test
    void adamKeepsItsMomentsWhenTheRateChanges() {
        Optimizer adam = Optimizer.adam(0.1);
        Object[] slots = new Object[3];
        adam.updateFlat(new double[] {2}, slots);
        adam.setLearningRate(0.05);
        // second step with the same gradient: bias-corrected m / sqrt(v) is still g / |g| = 1
        assertArrayEquals(new double[] {0.05}, adam.updateFlat(new double[] {2}, slots), 1e-7);
    }

    @Test
    void aRateMustBePositiveAndFinite() {
        assertThrows(IllegalArgumentException.class, () -> Optimizer.sgd(0.1).setLearningRate(0));
        assertThrows(IllegalArgumentException.class, () -> Optimizer.adam(0.1).setLearningRate(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Optimizer.sgd(-1));
    }
}
