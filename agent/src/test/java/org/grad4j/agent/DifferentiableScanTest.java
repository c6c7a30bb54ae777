package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DifferentiableScanTest {
    private static final byte[] P = DifferentiableScan.PATTERN;

    @Test
    void findsTheAnnotationInAClassThatUsesIt() {
        assertTrue(DifferentiableScan.mentionsDifferentiable(TestClasses.bytesOf(Annotated.class)));
    }

    @Test
    void ignoresClassesWithoutIt() {
        assertFalse(DifferentiableScan.mentionsDifferentiable(TestClasses.bytesOf(Plain.class)));
        assertFalse(DifferentiableScan.mentionsDifferentiable(TestClasses.bytesOf(String.class)));
        assertFalse(DifferentiableScan.mentionsDifferentiable(TestClasses.bytesOf(AgentOptionsTest.class)));
    }

    @Test
    void findsThePatternAtEveryOffset() {
        for (int before = 0; before < 40; before++) {
            for (int after = 0; after < 3; after++) {
                byte[] b = new byte[before + P.length + after];
                Arrays.fill(b, (byte) ';');
                System.arraycopy(P, 0, b, before, P.length);
                assertEquals(before, DifferentiableScan.indexOf(b, 0, b.length), "offset " + before);
            }
        }
    }

    @Test
    void nearMissesAreNotMatches() {
        String[] misses = {
            "Lorg/grad4j/Differentiable", "org/grad4j/Differentiable;", "Lorg/grad4j/Differentiablf;",
            "Lorg/grad4j/differentiable;", "Lorg/grad4j/Differentiable2;", "Lorg/grad4k/Differentiable;",
        };
        for (String m : misses) {
            assertFalse(DifferentiableScan.mentionsDifferentiable(m.getBytes(StandardCharsets.US_ASCII)), m);
        }
        assertTrue(DifferentiableScan.mentionsDifferentiable(
                "xx;LLorg/grad4j/Differentiable;;".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void truncatedAndGarbageBytesNeverThrow() {
        byte[] real = TestClasses.bytesOf(Annotated.class);
        int at = DifferentiableScan.indexOf(real, 0, real.length);
        for (int n = 0; n <= real.length; n++) {
            byte[] cut = Arrays.copyOf(real, n);
            assertEquals(n >= at + P.length, DifferentiableScan.mentionsDifferentiable(cut), "length " + n);
        }
        Random random = new Random(42);
        for (int i = 0; i < 2_000; i++) {
            byte[] garbage = new byte[random.nextInt(200)];
            random.nextBytes(garbage);
            DifferentiableScan.mentionsDifferentiable(garbage);
        }
        assertFalse(DifferentiableScan.mentionsDifferentiable(null));
        assertFalse(DifferentiableScan.mentionsDifferentiable(new byte[0]));
        assertEquals(at, DifferentiableScan.indexOf(real, -5, real.length + 100), "bounds are clamped");
    }
}
