package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CurveFitIT {
    @Test
    void fitsTheDampedOscillation() {
        ChildJvm.Run run = new ChildJvm().withAgent()
                .run("org.grad4j.samples.curvefit.CurveFitSample", "--check-gradient").assertSucceeded();

        assertTrue(run.number("gradcheck.maxRelError") < 1e-6, () -> "gradient vs central differences\n" + run.describe());
        assertTrue(run.number("loss.first") > 0.1, run::describe);
        // the noise has variance 0.0025: a fit cannot do much better, a wrong one does much worse
        assertTrue(run.number("loss.last") < 3.5e-3, () -> "the mean squared error should fall below 3.5e-3\n" + run.describe());
        assertEquals(2.5, run.number("a"), 0.1, run::describe);
        assertEquals(0.3, run.number("b"), 0.02, run::describe);
        assertEquals(2.0, run.number("c"), 0.02, run::describe);
        assertEquals(0.5, run.number("d"), 0.05, run::describe);
    }
}
