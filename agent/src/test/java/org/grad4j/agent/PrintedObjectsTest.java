package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.VectorFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Objects made in the differentiated method and printed, logged or put into an exception's
 * message, as numerical code does to report its state: mutable objects with their own
 * {@code toString}, records (whose {@code toString} is javac's), records of records, records read
 * from arrays, objects holding records. The gradient is checked against central differences and
 * the text against what the plain method writes.
 */
class PrintedObjectsTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    static final List<String> LOG = new ArrayList<>();

    /** A particle stepped in place, with the toString its author wrote. */
    static final class Particle {
        double x;
        double v;

        Particle(double x, double v) {
            this.x = x;
            this.v = v;
        }

        void step(double dt) {
            v -= x * dt;
            x += v * dt;
        }

        @Override
        public String toString() {
            return "Particle{x=" + x + ", v=" + v + "}";
        }
    }

    @Differentiable
    static double particle(double[] w) {
        Particle p = new Particle(w[0], w[1]);
        for (int t = 0; t < 5; t++) {
            p.step(0.1);
            if (t % 2 == 0) LOG.add("step " + t + ": " + p);
        }
        if (!(Math.abs(p.x) < 1e9)) throw new IllegalStateException("diverged: " + p);
        return p.x * p.x + p.v;
    }

    record Vec2(double x, double y) {
        Vec2 plus(Vec2 o) {
            return new Vec2(x + o.x, y + o.y);
        }
    }

    /** A mutable body holding records, printed through its own toString, which prints theirs. */
    static final class Body {
        Vec2 pos;
        Vec2 vel;

        Body(Vec2 pos, Vec2 vel) {
            this.pos = pos;
            this.vel = vel;
        }

        void step() {
            pos = pos.plus(vel);
        }

        @Override
        public String toString() {
            return "Body{pos=" + pos + ", vel=" + vel + "}";
        }
    }

    @Differentiable
    static double body(double[] w) {
        Body b = new Body(new Vec2(w[0], 0), new Vec2(w[1], 1));
        b.step();
        LOG.add(new StringBuilder("at ").append(b).toString());
        LOG.add(String.valueOf(b));
        return b.pos.x() * b.pos.x() + b.vel.y() * w[1];
    }

    record Point(double x, double y) {}

    /** A record of records whose compact constructor checks an argument. */
    record Segment(Point a, Point b, String label) {
        Segment {
            if (label == null || label.isBlank()) throw new IllegalArgumentException("segment needs a label");
        }

        double length() {
            return Math.hypot(b.x() - a.x(), b.y() - a.y());
        }
    }

    @Differentiable
    static double segment(double[] w) {
        Segment s = new Segment(new Point(w[0], w[1]), new Point(w[2], w[3]), "s1");
        LOG.add("segment " + s);
        return s.length();
    }

    record Asset(String ticker, double vol) {}

    record Position(Asset asset, double weight) {}

    static final Asset[] UNIVERSE = {new Asset("AAPL", 0.25), new Asset("XOM", 0.3)};

    /** Records kept in an array, each holding a constant of a static array, printed in the loop that reads them. */
    @Differentiable
    static double book(double[] w) {
        Position[] positions = new Position[2];
        for (int i = 0; i < 2; i++) positions[i] = new Position(UNIVERSE[i], w[i] * w[i]);
        double risk = 0;
        for (Position p : positions) {
            risk += p.weight() * p.asset().vol();
            LOG.add("position " + p);
            LOG.add(String.format("%-12s|%.3f|%s", p.asset().ticker(), p.weight(), p));
        }
        return risk;
    }

    /** Formatted with %s and printf-style calls: the particle's own toString, beside numbers formatted as numbers. */
    @Differentiable
    static double formatted(double[] w) {
        Particle p = new Particle(w[0], w[1]);
        p.step(0.2);
        LOG.add(String.format("%s, energy %.4f, %S", p, p.x * p.x + p.v * p.v, p));
        LOG.add("%2$s after %1$d steps".formatted(1, p));
        LOG.add(new java.util.Formatter().format("%s", p).toString());
        return p.x * p.v;
    }

    @Test
    void printedObjectsDifferentiateAndPrintWhatThePlainMethodPrints() {
        Random r = new Random(31);
        check(PrintedObjectsTest::particle, 2, r);
        check(PrintedObjectsTest::body, 2, r);
        check(PrintedObjectsTest::segment, 4, r);
        check(PrintedObjectsTest::book, 2, r);
        check(PrintedObjectsTest::formatted, 2, r);
    }

    @Test
    void anObjectInTheMessageOfAThrowGivesTheMessageThePlainMethodGives() {
        double[] far = {1e12, 0};
        IllegalStateException plain = assertThrows(IllegalStateException.class, () -> particle(far.clone()));
        IllegalStateException viaAd = assertThrows(IllegalStateException.class, () -> AD.gradient(PrintedObjectsTest::particle, far.clone()));
        assertEquals(plain.getMessage(), viaAd.getMessage());
    }

    private static void check(VectorFunction f, int n, Random r) {
        for (int trial = 0; trial < 3; trial++) {
            double[] w = new double[n];
            for (int i = 0; i < n; i++) w[i] = 0.5 + r.nextDouble();
            LOG.clear();
            double value = f.apply(w.clone());
            List<String> printed = List.copyOf(LOG);
            LOG.clear();
            assertEquals(value, AD.valueAndGradient(f, w.clone()).value(), 1e-12 * Math.max(1, Math.abs(value)));
            assertEquals(printed, LOG, "the text the gradient's run wrote");
            CentralDifferences.check(f, w);
        }
    }
}
