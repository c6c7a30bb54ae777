package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * An application that knows nothing of grad4j but an annotation: attaching the agent changes
 * nothing it prints, and a separate driver gets its gradients.
 */
class UnchangedApplicationIT {
    static final String APP = "org.grad4j.samples.pricing.OptionDesk";
    static final String GREEKS = "org.grad4j.samples.pricing.OptionGreeks";

    @Test
    void printsTheSameWithAndWithoutTheAgent() {
        ChildJvm.Run plain = new ChildJvm().run(APP).assertSucceeded();
        ChildJvm.Run withAgent = new ChildJvm().withAgent().run(APP).assertSucceeded();
        assertTrue(plain.stdout().contains("book value"), plain::describe);
        assertEquals(plain.stdout(), withAgent.stdout(), "the agent must not change what the application computes");
        assertEquals("", withAgent.stderr(), "the agent is silent unless asked (verbose)");
    }

    @Test
    void greeksAreTheGradientOfThePricingMethod() {
        ChildJvm.Run run = new ChildJvm().withAgent().run(GREEKS).assertSucceeded();
        assertTrue(run.number("gradcheck.maxRelError") < 1e-6, () -> "gradient vs central differences\n" + run.describe());
        assertTrue(run.number("closedForm.maxRelError") < 1e-4, () -> "gradient vs textbook Greeks\n" + run.describe());
        assertEquals(9.5, run.number("impliedVolatility.repriced"), 1e-9, run::describe);
        assertTrue(run.number("impliedVolatility.iterations") <= 6, () -> "Newton with an exact vega converges fast\n"
                + run.describe());
    }

    @Test
    void withoutTheAgentTheFirstGradientSaysHowToAttachIt() {
        ChildJvm.Run run = new ChildJvm().run(GREEKS);
        assertNotEquals(0, run.exitCode(), run::describe);
        assertTrue(run.stderr().contains("org.grad4j.GradientException"), run::describe);
        assertTrue(run.stderr().contains("-javaagent:"), () -> "the error names the flag\n" + run.describe());
        assertTrue(run.stderr().contains("AD.install()"), () -> "and the alternative\n" + run.describe());
    }

    @Test
    void adInstallAttachesAtRunTimeWithTheAgentJarOnTheClassPath() {
        ChildJvm.Run run = new ChildJvm()
                .classPath(ChildJvm.applicationClassPath() + java.io.File.pathSeparator + ChildJvm.agentJar())
                .run(GREEKS, "--install").assertSucceeded();
        assertTrue(run.number("gradcheck.maxRelError") < 1e-6, () -> "gradient vs central differences\n" + run.describe());
    }
}
