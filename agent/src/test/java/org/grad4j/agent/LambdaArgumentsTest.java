package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.grad4j.AD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lambdas and small objects made outside the function given to {@code AD} and called in its loops:
 * a force law, a right-hand side, a method reference, a class or record of final fields. The entry makes such a lambda again where it can (one static
 * method, capturing only numbers and arrays of them), so its calls are inlined and the loop stays a loop; gradients
 * are checked against central differences of the plain function.
 */
class LambdaArgumentsTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    interface Potential {
        double force(double x);
    }

    static double cubicForce(double x) {
        return -x * x * x;
    }

    /** Explicit steps of x'' = force(x) - damping(x', c); the energy-like value at the end. */
    static double simulate(double[] p, Potential force, DoubleBinaryOperator damping, int steps) {
        double x = p[0], v = p[1];
        for (int i = 0; i < steps; i++) {
            v += 1e-3 * (force.force(x) - damping.applyAsDouble(v, p[2]));
            x += 1e-3 * v;
        }
        return 0.5 * v * v + x * x;
    }

    @Test
    void capturedLambdasAndMethodReferencesCalledInALoop() {
        Random r = new Random(37);
        double k = 1.5;
        int power = 3;
        double[] coefficients = {0.5, 1.5};
        Potential[] forces = {x -> -x * x * x, LambdaArgumentsTest::cubicForce, x -> -k * Math.pow(x, power),
                x -> -k * Math.sin(x), x -> -coefficients[0] * x - coefficients[1] * x * x * x};
        DoubleBinaryOperator damping = (v, c) -> c * v * Math.abs(v);
        for (Potential force : forces) {
            for (int trial = 0; trial < 3; trial++) {
                CentralDifferences.check(p -> simulate(p, force, damping, 500), 0.5 + 0.5 * r.nextDouble(), r.nextGaussian(),
                        0.1 + r.nextDouble());
            }
        }
    }

    static double drift(double[] p, DoubleUnaryOperator rate, int steps) {
        double x = p[0];
        for (int i = 0; i < steps; i++) x += 1e-7 * rate.applyAsDouble(x);
        return x;
    }

    /**
     * Six million calls of a captured lambda: linked as a call, each iteration would be a frame
     * (more stack than a worker has); made again in the entry, the loop is taped.
     */
    @Test
    void aLongLoopOverACapturedLambdaRunsAsALoop() {
        double c = 0.8;
        double[] table = {0.8};
        // look-alikes in one method (a number and an array captured), told apart
        for (DoubleUnaryOperator rate : new DoubleUnaryOperator[] {x -> -c * x * x, x -> -table[0] * x * x}) {
            int steps = 6_000_000;
            double x0 = 0.3;
            double[] g = AD.gradient(p -> drift(p, rate, steps), new double[] {x0});
            double h = 1e-6;
            double expected = (drift(new double[] {x0 + h}, rate, steps) - drift(new double[] {x0 - h}, rate, steps)) / (2 * h);
            assertEquals(expected, g[0], 1e-6 * Math.abs(expected));
        }
    }

    static DoubleUnaryOperator kept;

    /** Where the lambda object itself matters, the entry is generated as it is and the call linked. */
    @Test
    void aLambdaWhoseIdentityMattersIsTheOneHandedIn() {
        DoubleUnaryOperator rate = x -> -x * x;
        DoubleUnaryOperator[] seen = new DoubleUnaryOperator[1];
        double[] g = AD.gradient(p -> {
            seen[0] = rate; // the object handed in, kept
            return drift(p, rate, 50);
        }, new double[] {0.4});
        assertSame(rate, seen[0]);
        kept = rate;
        double[] compared = AD.gradient(p -> rate == kept ? drift(p, rate, 50) : 0, new double[] {0.4});
        assertEquals(g[0], compared[0], 0, "the lambda compared is the one handed in");
        CentralDifferences.check(p -> drift(p, rate, 50), 0.4);
    }

    /** A force law as a small class of final fields, and as a record. */
    static final class Spring implements Potential {
        final double k;

        Spring(double k) {
            this.k = k;
        }

        @Override
        public double force(double x) {
            return -k * x * x * x;
        }
    }

    record Softened(double k, double[] scale) implements Potential {
        @Override
        public double force(double x) {
            return -k * Math.sin(scale[0] * x);
        }
    }

    /** Its constructor takes the fields in another order than they are declared. */
    static final class Anharmonic implements Potential {
        final double linear;
        final double cubic;

        Anharmonic(double cubic, double linear) {
            this.linear = linear;
            this.cubic = cubic;
        }

        @Override
        public double force(double x) {
            return -linear * x - cubic * x * x * x;
        }
    }

    @Test
    void objectsOfFinalFieldsHandedInAndCalledInALoop() {
        Random r = new Random(41);
        DoubleBinaryOperator damping = (v, c) -> c * v;
        for (Potential force : new Potential[] {new Spring(1.5), new Softened(0.7, new double[] {1.3}),
                new Anharmonic(2.0, 0.3)}) {
            for (int trial = 0; trial < 3; trial++) {
                CentralDifferences.check(p -> simulate(p, force, damping, 500), 0.5 + 0.5 * r.nextDouble(), r.nextGaussian(),
                        0.1 + r.nextDouble());
            }
        }
    }

    static double driftWith(double[] p, Potential force, int steps) {
        double x = p[0];
        for (int i = 0; i < steps; i++) x += 1e-7 * force.force(x);
        return x;
    }

    /** Made again in the entry, the object's calls are inlined: six million of them run as a taped loop. */
    @Test
    void aLongLoopOverAnObjectHandedInRunsAsALoop() {
        Potential force = new Anharmonic(0.8, 0.1);
        int steps = 6_000_000;
        double x0 = 0.3;
        double[] g = AD.gradient(p -> driftWith(p, force, steps), new double[] {x0});
        double h = 1e-6;
        double expected = (driftWith(new double[] {x0 + h}, force, steps) - driftWith(new double[] {x0 - h}, force, steps)) / (2 * h);
        assertEquals(expected, g[0], 1e-6 * Math.abs(expected));
        // the same object made in the function: its loop is taped too
        double[] made = AD.gradient(p -> driftWith(p, new Anharmonic(0.8, 0.1), steps), new double[] {x0});
        assertEquals(g[0], made[0], 1e-12 * Math.abs(g[0]));
        Potential[] seen = new Potential[1];
        AD.gradient(p -> {
            seen[0] = force; // kept: the object handed in
            return driftWith(p, force, 10);
        }, new double[] {x0});
        assertSame(force, seen[0]);
    }
}
