package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogisticRegressionIT {
    @Test
    void classifiesHeldOutPoints() {
        ChildJvm.Run run = new ChildJvm().withAgent()
                .run("org.grad4j.samples.logistic.LogisticRegressionSample", "--check-gradient").assertSucceeded();

        assertTrue(run.number("gradcheck.maxRelError") < 1e-6, () -> "gradient vs central differences\n" + run.describe());
        assertTrue(Math.abs(run.number("loss.first") - Math.log(2)) < 1e-9, "zero weights predict 1/2 everywhere");
        assertTrue(run.number("loss.last") < 0.3, () -> "the loss should fall below 0.3\n" + run.describe());
        assertTrue(run.number("accuracy.test") >= 0.9, () -> "test accuracy at least 90%\n" + run.describe());
    }
}
