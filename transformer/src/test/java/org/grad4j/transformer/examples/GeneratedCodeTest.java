package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Generated straight-line code with more values live at once than a function's parameters could hold. */
class GeneratedCodeTest {
    @Test
    void straightLineCodeWithManyTemporariesLiveAtOnce() {
        Random random = new Random(3);
        for (int trial = 0; trial < 3; trial++) {
            double[] p = new double[4];
            for (int i = 0; i < 4; i++) p[i] = random.nextGaussian();
            check(GeneratedCode.class, "manyTemporaries", (Object) p);
        }
    }
}
