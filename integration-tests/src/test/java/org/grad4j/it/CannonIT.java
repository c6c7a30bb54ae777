package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The flagship: a 100,000-step simulation differentiated end to end, optimised to hit its target. */
class CannonIT {
    @Test
    void aimsTheCannonOntoTheTarget() throws Exception {
        Path plot = ChildJvm.outputDirectory("CannonSample").resolve("cannon.png");
        Files.deleteIfExists(plot);
        ChildJvm.Run run = new ChildJvm().withAgent()
                .run("org.grad4j.samples.simulation.CannonSample", "--check-gradient", "--plot=" + plot)
                .assertSucceeded();

        assertTrue(run.number("gradcheck.maxRelError") < 1e-6, () -> "gradient vs central differences\n" + run.describe());
        assertTrue(run.number("steps") >= 99_000, () -> "the flight should take ~100,000 steps\n" + run.describe());
        assertTrue(run.number("loss.first") > 1e-2, run::describe);
        assertTrue(run.number("loss.last") < 1e-8, () -> "the loss should fall below 1e-8\n" + run.describe());
        assertEquals(300.0, run.number("landDistance"), 0.05, () -> "lands within 5 cm of 300 m\n" + run.describe());
        assertEquals(8.0, run.number("landTime"), 0.001, () -> "lands within 1 ms of 8 s\n" + run.describe());
        assertTrue(run.stdout().contains("epoch 200/200"), () -> "per-epoch progress lines\n" + run.describe());
        assertTrue(run.stdout().contains("Summary"), run::describe);

        byte[] png = Files.readAllBytes(plot);
        assertTrue(png.length > 5_000, "the loss plot is a real image");
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        assertEquals('N', png[2]);
        assertEquals('G', png[3]);
    }
}
