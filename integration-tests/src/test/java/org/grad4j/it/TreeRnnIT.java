package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Recursion over object graphs: one shared cell applied at every node of 500 random trees. */
class TreeRnnIT {
    @Test
    void learnsTheSignOfTheSumOverTrees() {
        ChildJvm.Run run = new ChildJvm().withAgent()
                .run("org.grad4j.samples.treernn.TreeRnnSample", "--check-gradient").assertSucceeded();

        assertTrue(run.number("gradcheck.maxRelError") < 1e-6, () -> "gradient vs central differences\n" + run.describe());
        assertTrue(run.number("loss.first") > 0.6, run::describe);
        assertTrue(run.number("loss.last") < 0.2, () -> "the loss should fall below 0.2\n" + run.describe());
        assertTrue(run.number("accuracy.test") >= 0.9, () -> "test accuracy at least 90%\n" + run.describe());
    }
}
