package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import org.junit.jupiter.api.Test;

/**
 * The MLP sample on ND4J with the real agent: {@code @Parameter INDArray} fields,
 * {@code Model.gradient} and {@code Optimizer.adam}, trained on three spirals in float32; its
 * gradient checked against central differences on a float64 copy first.
 */
class MlpIT {
    static final String MLP = "org.grad4j.samples.mlp.MlpSample";

    @Test
    void trainsToClassifyTheSpirals() {
        ChildJvm.Run run = new ChildJvm().withAgent()
                .classPath(ChildJvm.applicationClassPath() + File.pathSeparator + ChildJvm.nd4jClassPath())
                .env("OMP_NUM_THREADS", "1")   // small tensors: one OpenMP thread is faster and steadier
                .timeout(90)
                .run(MLP, "--check-gradient").assertSucceeded();

        // 4 entries of each of the 6 parameters (float64), against (f(p+h) - f(p-h)) / 2h
        assertTrue(run.number("gradcheck.maxRelError") < 1e-6, () -> "gradient vs central differences\n" + run.describe());
        assertTrue(run.number("loss.first") > 0.9, () -> "an untrained network is near chance (ln 3 = 1.10)\n" + run.describe());
        assertTrue(run.number("loss.last") < 0.25, () -> "the loss should fall below 0.25\n" + run.describe());
        assertTrue(run.number("accuracy.test") >= 0.9, () -> "test accuracy at least 90%\n" + run.describe());
    }

    @Test
    void theOtherSamplesRunWithoutNd4j() {
        // every other integration test starts its JVM with this class path: samples and runtime only
        assertFalse(ChildJvm.applicationClassPath().contains("nd4j"), ChildJvm.applicationClassPath());
        assertTrue(ChildJvm.nd4jClassPath().contains("nd4j-native"), ChildJvm.nd4jClassPath());
    }
}
