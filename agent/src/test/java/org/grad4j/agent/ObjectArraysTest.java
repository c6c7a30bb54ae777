package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.AD;
import org.grad4j.TransformException;
import org.grad4j.VectorFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Arrays of objects whose fields change, made in the differentiated method: the bodies of an
 * n-body simulation, a particle system, accumulators chosen by index (MutableObjects with
 * ElementCode, ExactReceivers for calls on elements). Gradients against analytic derivatives or
 * central differences, values against the plain call.
 */
class ObjectArraysTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    /** Not final, as users write them: calls on its elements are virtual as written. */
    static class Body {
        double x;
        double y;
        double vx;
        double vy;
        final double mass;

        Body(double x, double y, double mass) {
            this.x = x;
            this.y = y;
            this.mass = mass;
        }

        void attract(Body other, double dt) {
            double dx = other.x - x;
            double dy = other.y - y;
            double d2 = dx * dx + dy * dy + 0.1;
            double f = dt / (d2 * Math.sqrt(d2));
            vx += dx * f * other.mass;
            vy += dy * f * other.mass;
            other.vx -= dx * f * mass;
            other.vy -= dy * f * mass;
        }

        void move(double dt) {
            x += vx * dt;
            y += vy * dt;
        }
    }

    /** Positions (x, y per body) to the system's energy-like score after 40 steps. */
    static double nBody(double[] p) {
        int n = p.length / 2;
        Body[] bodies = new Body[n];
        for (int i = 0; i < n; i++) bodies[i] = new Body(p[2 * i], p[2 * i + 1], 1.0 + 0.5 * i);
        for (int step = 0; step < 40; step++) {
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) bodies[i].attract(bodies[j], 0.01);
            }
            for (Body b : bodies) b.move(0.01);
        }
        double score = 0;
        for (Body b : bodies) score += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy) + b.x * b.y;
        return score;
    }

    /** Every ordered pair, a body skipping itself by identity, each pull half as strong. */
    static double allPairs(double[] p) {
        Body[] bodies = new Body[p.length / 2];
        for (int i = 0; i < bodies.length; i++) bodies[i] = new Body(p[2 * i], p[2 * i + 1], 2.0 - 0.25 * i);
        for (int step = 0; step < 40; step++) {
            for (Body a : bodies) {
                for (Body b : bodies) {
                    if (a != b) a.attract(b, 0.005);
                }
            }
            for (Body b : bodies) b.move(0.01);
        }
        return bodies[0].x * bodies[1].vy + bodies[bodies.length - 1].y;
    }

    @Test
    void anNBodySimulationOverAnArrayOfBodiesDifferentiates() {
        double[] p = {0.1, 0.2, 1.0, -0.3, -0.5, 0.7, 0.3, 1.1};
        CentralDifferences.check(ObjectArraysTest::nBody, p);
        assertSameValue(ObjectArraysTest::nBody, p);
        CentralDifferences.check(ObjectArraysTest::allPairs, p);
        assertSameValue(ObjectArraysTest::allPairs, p);
    }

    static final class Spring {
        double x;
        double v;

        Spring(double x) {
            this.x = x;
        }
    }

    /**
     * Springs stepped with explicit Euler: each is linear in its start, x_t = a_t x_0 with a_t from
     * the recurrence x += v dt, v -= k x dt, so d(sum x_T) / d x0_i = a_T.
     */
    static double springs(double[] x0) {
        Spring[] s = new Spring[x0.length];
        for (int i = 0; i < s.length; i++) s[i] = new Spring(x0[i]);
        for (int t = 0; t < 25; t++) {
            for (Spring q : s) {
                q.v -= 3.0 * q.x * 0.02;
                q.x += q.v * 0.02;
            }
        }
        double sum = 0;
        for (Spring q : s) sum += q.x;
        return sum;
    }

    @Test
    void particlesUpdatedThroughTheirElementsDifferentiateAsTheRecurrenceSays() {
        double a = 1;
        double b = 0; // x = a x0, v = b x0
        for (int t = 0; t < 25; t++) {
            b -= 3.0 * a * 0.02;
            a += b * 0.02;
        }
        double[] x0 = {0.4, -1.1, 2.3};
        double[] g = AD.gradient(ObjectArraysTest::springs, x0.clone());
        for (int i = 0; i < x0.length; i++) assertEquals(a, g[i], 1e-14, "d sum / d x0_" + i);
        assertSameValue(ObjectArraysTest::springs, x0);
    }

    /** Even and odd samples into two accumulators, by a computed index; the best element chosen in a loop. */
    static double twoAccumulators(double[] x) {
        MutableObjectsTest.Welford[] parts = {new MutableObjectsTest.Welford(), new MutableObjectsTest.Welford()};
        for (int i = 0; i < x.length; i++) parts[i % 2].add(x[i]);
        MutableObjectsTest.Welford larger = parts[0];
        for (MutableObjectsTest.Welford w : parts) {
            if (w.variance() > larger.variance()) larger = w;
        }
        return parts[0].variance() * parts[1].variance() + 2 * larger.variance();
    }

    @Test
    void elementsChosenByIndexAndByComparisonDifferentiate() {
        double[] x = {0.3, -1.2, 2.5, 0.7, 1.1, -0.4};
        CentralDifferences.check(ObjectArraysTest::twoAccumulators, x);
        assertSameValue(ObjectArraysTest::twoAccumulators, x);
    }

    /** A particle whose position and velocity are records (MutableObjectsTest's), replaced as it falls. */
    static class Mote {
        MutableObjectsTest.Vec2 position;
        MutableObjectsTest.Vec2 velocity = new MutableObjectsTest.Vec2(0, 0);

        Mote(MutableObjectsTest.Vec2 position) {
            this.position = position;
        }

        void fall(double dt) {
            velocity = velocity.plus(new MutableObjectsTest.Vec2(-0.1 * velocity.x(), -1).times(dt));
            position = position.plus(velocity.times(dt));
        }
    }

    static double motes(double[] p) {
        Mote[] motes = new Mote[p.length / 2];
        for (int i = 0; i < motes.length; i++) motes[i] = new Mote(new MutableObjectsTest.Vec2(p[2 * i], p[2 * i + 1]));
        for (int t = 0; t < 30; t++) {
            for (Mote m : motes) m.fall(0.05);
        }
        double s = 0;
        for (Mote m : motes) s += m.position.x() * m.position.y();
        return s;
    }

    /** A unit of a layer, its weights an array: here the input itself, shared by two units. */
    static class Unit {
        final double[] weights;
        final double bias;
        double out;

        Unit(double[] weights, double bias) {
            this.weights = weights;
            this.bias = bias;
        }

        void fire(double[] in) {
            double z = bias;
            for (int j = 0; j < weights.length; j++) z += weights[j] * in[j];
            out = Math.tanh(z);
        }
    }

    static double twoUnits(double[] w) {
        Unit[] layer = {new Unit(w, 0.1), new Unit(w, -0.2)};
        double[] in = {0.5, -0.25, 1.0};
        for (Unit u : layer) u.fire(in);
        return layer[0].out * layer[1].out;
    }

    @Test
    void elementsWhoseFieldsAreRecordsOrArraysDifferentiate() {
        double[] p = {0.3, -0.2, 0.9, 0.4};
        CentralDifferences.check(ObjectArraysTest::motes, p);
        assertSameValue(ObjectArraysTest::motes, p);
        double[] w = {0.3, -0.2, 0.9};
        double[] in = {0.5, -0.25, 1.0};
        double z0 = 0.1;
        double z1 = -0.2;
        for (int j = 0; j < 3; j++) {
            z0 += w[j] * in[j];
            z1 += w[j] * in[j];
        }
        double[] g = AD.gradient(ObjectArraysTest::twoUnits, w.clone());
        for (int j = 0; j < 3; j++) { // d tanh(z0) tanh(z1) / d w_j, both z having d z / d w_j = in_j
            double expected = in[j] * ((1 - Math.tanh(z0) * Math.tanh(z0)) * Math.tanh(z1)
                    + Math.tanh(z0) * (1 - Math.tanh(z1) * Math.tanh(z1)));
            assertEquals(expected, g[j], 1e-14, "d / d w" + j);
        }
        assertSameValue(ObjectArraysTest::twoUnits, w);
    }

    /** The n-body simulation written with a list, as much Java code holds its bodies. */
    static double nBodyList(double[] p) {
        java.util.List<Body> bodies = new java.util.ArrayList<>();
        for (int i = 0; i < p.length / 2; i++) bodies.add(new Body(p[2 * i], p[2 * i + 1], 1.0 + 0.5 * i));
        for (int step = 0; step < 40; step++) {
            for (int i = 0; i < bodies.size(); i++) {
                for (int j = i + 1; j < bodies.size(); j++) bodies.get(i).attract(bodies.get(j), 0.01);
            }
            for (Body b : bodies) b.move(0.01);
        }
        double score = 0;
        for (Body b : bodies) score += 0.5 * b.mass * (b.vx * b.vx + b.vy * b.vy) + b.x * b.y;
        return score;
    }

    @Test
    void theNBodySimulationOverAListOfBodiesGivesTheSameGradientAsOverAnArray() {
        double[] p = {0.1, 0.2, 1.0, -0.3, -0.5, 0.7, 0.3, 1.1};
        double[] overArray = AD.gradient(ObjectArraysTest::nBody, p.clone());
        double[] overList = AD.gradient(ObjectArraysTest::nBodyList, p.clone());
        for (int i = 0; i < p.length; i++) assertEquals(overArray[i], overList[i], 1e-15 * (1 + Math.abs(overArray[i])), "d / d p" + i);
        CentralDifferences.check(ObjectArraysTest::nBodyList, p);
        assertSameValue(ObjectArraysTest::nBodyList, p);
    }

    /** Springs added to a list past its capacity (it grows), read by index and by an explicit iterator. */
    static double springList(double[] x0) {
        java.util.ArrayList<Spring> springs = new java.util.ArrayList<>(1);
        for (double x : x0) springs.add(new Spring(x));
        for (int t = 0; t < 25; t++) {
            java.util.Iterator<Spring> it = springs.iterator();
            while (it.hasNext()) {
                Spring q = it.next();
                q.v -= 3.0 * q.x * 0.02;
                q.x += q.v * 0.02;
            }
        }
        double sum = 0;
        for (int i = 0; i < springs.size(); i++) sum += springs.get(i).x;
        return springs.isEmpty() ? 0 : sum;
    }

    @Test
    void springsInAListDifferentiateAsTheRecurrenceSays() {
        double a = 1;
        double b = 0;
        for (int t = 0; t < 25; t++) {
            b -= 3.0 * a * 0.02;
            a += b * 0.02;
        }
        double[] x0 = {0.4, -1.1, 2.3, 0.2, -0.7};
        double[] g = AD.gradient(ObjectArraysTest::springList, x0.clone());
        for (int i = 0; i < x0.length; i++) assertEquals(a, g[i], 1e-14, "d sum / d x0_" + i);
        assertSameValue(ObjectArraysTest::springList, x0);
    }

    /** The list's forEach with a lambda capturing a differentiable value (fused as its stream's, then a loop over the list). */
    static double forEachOfAList(double[] p) {
        java.util.List<Spring> springs = new java.util.ArrayList<>();
        for (double x : p) springs.add(new Spring(x));
        double k = p[0];
        for (int t = 0; t < 5; t++) springs.forEach(q -> q.v -= k * q.x * 0.1);
        return springs.get(0).v * springs.get(1).x + springs.get(2).v;
    }

    @Test
    void aListsForEachWithALambdaDifferentiates() {
        double[] p = {0.3, 0.7, -0.2};
        CentralDifferences.check(ObjectArraysTest::forEachOfAList, p);
        assertSameValue(ObjectArraysTest::forEachOfAList, p);
    }

    static double addedThenWritten(double[] p) {
        java.util.List<Spring> springs = new java.util.ArrayList<>();
        Spring s = new Spring(p[0]);
        springs.add(s);
        s.v = p[1];
        return springs.get(0).x * springs.get(0).v;
    }

    @Test
    void anObjectUsedAfterItIsAddedToAListIsRefusedWithTheReason() {
        TransformException e = assertThrows(TransformException.class,
                () -> AD.gradient((VectorFunction) ObjectArraysTest::addedThenWritten, new double[] {1, 2}));
        assertTrue(e.getMessage().contains("the ObjectArraysTest.Spring used on line")
                && e.getMessage().contains("is used after it is added to a list"), e.getMessage());
    }

    static double replacedWhileInUse(double[] p) {
        Spring[] s = new Spring[1];
        s[0] = new Spring(p[0]);
        Spring first = s[0];
        s[0] = new Spring(p[1]);
        return first.x * s[0].x;
    }

    static double usedAfterStored(double[] p) {
        Spring[] s = new Spring[1];
        Spring q = new Spring(p[0]);
        s[0] = q;
        q.v = p[1];
        return s[0].x * s[0].v;
    }

    @Test
    void anElementReplacedWhileInUseOrAnObjectUsedAfterItIsStoredIsRefusedWithTheReason() {
        TransformException replaced = assertThrows(TransformException.class,
                () -> AD.gradient((VectorFunction) ObjectArraysTest::replacedWhileInUse, new double[] {1, 2}));
        assertTrue(replaced.getMessage().contains("ObjectArraysTest.replacedWhileInUse (ObjectArraysTest.java:"), replaced.getMessage());
        assertTrue(replaced.getMessage().contains("the array of ObjectArraysTest.Spring used on line")
                && replaced.getMessage().contains("has an element replaced while one read from it before is still in use"),
                replaced.getMessage());
        TransformException stored = assertThrows(TransformException.class,
                () -> AD.gradient((VectorFunction) ObjectArraysTest::usedAfterStored, new double[] {1, 2}));
        assertTrue(stored.getMessage().contains("the ObjectArraysTest.Spring used on line")
                && stored.getMessage().contains("is used after it is stored into an array"), stored.getMessage());
    }

    private static void assertSameValue(VectorFunction f, double[] x) {
        assertEquals(f.apply(x.clone()), AD.valueAndGradient(f, x.clone()).value(), 0);
    }
}
