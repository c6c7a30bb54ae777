package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.grad4j.transformer.testing.Harness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ScalarsTest {
    private final Random random = new Random(42);

    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private double r() {
        return random.nextDouble() * 4 - 2;
    }

    @Test
    void square() {
        for (int i = 0; i < 5; i++) {
            double x = r();
            assertEquals(2 * x, Harness.run(Scalars.class, "square", x).d(0), 1e-12);
        }
    }

    @Test
    void straightLine() {
        for (int i = 0; i < 5; i++) check(Scalars.class, "straightLine", r(), r());
    }

    @Test
    void poly() {
        for (int n = 0; n < 7; n++) check(Scalars.class, "poly", r(), n);
    }

    @Test
    void sharedOperandsAndSubtractedAdjoints() {
        for (int i = 0; i < 20; i++) {
            double x = r(), y = r();
            if (Math.abs(x) < 0.2 || Math.abs(y) < 0.2) continue; // keep away from the divisions' poles
            check(Scalars.class, "sharedOperands", x, y, (float) r());
        }
    }

    @Test
    void slotReuseKeepsEveryValue() {
        double x = 1.7;
        assertEquals(3 * x * x, Harness.run(Scalars.class, "slotReuse", x).d(0), 1e-12);
    }

    @Test
    void branchesAndTernaries() {
        for (int i = 0; i < 20; i++) {
            check(Scalars.class, "branches", r(), r());
            check(Scalars.class, "ternary", r(), r());
        }
    }

    @Test
    void loops() {
        for (int i = 0; i < 5; i++) {
            check(Scalars.class, "nestedLoops", r(), 4, 6);
            check(Scalars.class, "whileAndDo", r());
            check(Scalars.class, "earlyReturn", r() * 3, 30);
            check(Scalars.class, "inactiveLoop", r(), 10);
        }
    }

    @Test
    void switches() {
        for (int mode : new int[] {0, 1, 2, 7, 8, -4}) check(Scalars.class, "switches", r(), mode);
    }

    @Test
    void floatsAndMixedTypes() {
        // f = (float)((x*x + 1.5) * y) * x: float rounding defeats finite differences, so check analytically
        float x = 1.25f;
        double y = 0.5;
        Harness.Result r = Harness.run(Scalars.class, "floats", x, y);
        assertEquals(2 * x * y * x + (x * x + 1.5) * y, r.d(0), 1e-6);
        assertEquals((x * x + 1.5) * x, r.d(1), 1e-6);
        check(Scalars.class, "floatResult", (float) 0.75);
        check(Scalars.class, "longAndInt", r(), 3L, 4);
    }

    @Test
    void arrayReads() {
        check(Scalars.class, "arrays", new double[] {r(), r(), r(), r()}, 4);
    }

    @Test
    void recursion() {
        for (int n = 0; n < 6; n++) {
            double x = r();
            assertEquals(n * Math.pow(x, n - 1), Harness.run(Scalars.class, "recursivePower", x, n).d(0), 1e-9);
            check(Scalars.class, "even", r(), n);
        }
    }

    @Test
    void callsOfDifferentiableHelpers() {
        for (int i = 0; i < 5; i++) check(Scalars.class, "callsHelper", r(), r());
    }

    @Test
    void boxingAndUnboxingKeepTheDerivative() {
        assertEquals(2 * 1.5, Harness.run(Scalars.class, "boxing", 1.5).d(0), 1e-15);
    }

    @Test
    void stringsOfActiveValuesAreAllowed() {
        check(Scalars.class, "printsAndConcats", r());
    }
}
