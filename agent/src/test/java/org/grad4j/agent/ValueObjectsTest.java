package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.TransformException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Records and small immutable classes holding differentiable values, the way numerical Java is
 * written with them: vectors and complex numbers built from the inputs, combined by their
 * methods, read through accessors. Objects that stay in the differentiated method are replaced by
 * their fields ({@code ValueObjects}); every gradient is checked against central differences at
 * random points. Objects that leave it are refused, saying how they leave.
 */
class ValueObjectsTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    record Vec2(double x, double y) {
        Vec2 plus(Vec2 o) {
            return new Vec2(x + o.x, y + o.y);
        }

        Vec2 times(double s) {
            return new Vec2(x * s, y * s);
        }

        double dot(Vec2 o) {
            return x * o.x + y * o.y;
        }

        double norm() {
            return Math.sqrt(dot(this));
        }

        static Vec2 polar(double r, double angle) {
            return new Vec2(r * Math.cos(angle), r * Math.sin(angle));
        }
    }

    @Differentiable
    static double rotated(double[] w) {
        Vec2 p = Vec2.polar(w[0], w[1]);
        Vec2 q = new Vec2(w[2], w[3]);
        return p.plus(q).dot(q) + p.norm() * q.x() + Math.exp(p.y());
    }

    @Test
    void recordsBuiltFromTheInputsAndCombinedByTheirMethods() {
        Random r = new Random(7);
        for (int trial = 0; trial < 5; trial++) CentralDifferences.check(ValueObjectsTest::rotated, 0.5 + r.nextDouble(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian());
    }

    /** Accumulated in a loop, the loop's variable a record; chosen by a condition. */
    @Differentiable
    static double accumulated(double[] w, double[] weights) {
        Vec2 sum = new Vec2(0, 0);
        for (int i = 0; i < weights.length; i++) {
            Vec2 step = w[2 * i] > 0 ? new Vec2(w[2 * i], w[2 * i + 1]) : new Vec2(w[2 * i + 1], -w[2 * i]);
            sum = sum.plus(step.times(weights[i]));
        }
        Vec2 last;
        if (sum.x() > sum.y()) {
            last = sum.times(0.5);
        } else {
            last = new Vec2(sum.y(), sum.x() * sum.x());
        }
        return last.dot(sum) + sum.norm();
    }

    @Test
    void recordsInLoopsAndBranches() {
        Random r = new Random(11);
        double[] weights = {0.5, -1.0, 2.0, 0.25};
        for (int trial = 0; trial < 8; trial++) {
            CentralDifferences.check(p -> accumulated(p, weights), gaussians(r, 8));
        }
    }

    record Complex(double re, double im) {
        static final Complex ZERO = new Complex(0, 0);

        Complex plus(Complex o) {
            return new Complex(re + o.re, im + o.im);
        }

        Complex times(Complex o) {
            return new Complex(re * o.re - im * o.im, re * o.im + im * o.re);
        }

        double abs2() {
            return re * re + im * im;
        }
    }

    /** |p(z)|² by Horner, from the constant ZERO, the coefficients the inputs: (w[2k], w[2k+1]). */
    @Differentiable
    static double horner(double[] w, double zr, double zi) {
        Complex z = new Complex(zr, zi);
        Complex p = Complex.ZERO;
        for (int k = w.length / 2 - 1; k >= 0; k--) p = p.times(z).plus(new Complex(w[2 * k], w[2 * k + 1]));
        return p.abs2();
    }

    @Test
    void complexArithmeticFromAConstant() {
        Random r = new Random(3);
        for (int trial = 0; trial < 5; trial++) {
            CentralDifferences.check(p -> horner(p, 0.7, -0.4), gaussians(r, 8));
        }
        // analytic: p is linear in the coefficients, so |p|² at coefficients w is |Σ c_k z^k|²; d/d re(c_0) = 2 re(p)
        double[] w = {1, 2, 0, 0, 0, 0, 0, 0};
        assertEquals(2 * 1, AD.gradient(p -> horner(p, 0.7, -0.4), w)[0], 1e-12);
    }

    /** A final class, not a record: fields set by its constructor, a static factory reading an array. */
    static final class Vec3 {
        final double x;
        final double y;
        final double z;

        Vec3(double x, double y, double z) {
            this.x = x;
            this.y = y;
            this.z = z;
        }

        static Vec3 at(double[] pos, int i) {
            return new Vec3(pos[3 * i], pos[3 * i + 1], pos[3 * i + 2]);
        }

        Vec3 minus(Vec3 o) {
            return new Vec3(x - o.x, y - o.y, z - o.z);
        }

        double dot(Vec3 o) {
            return x * o.x + y * o.y + z * o.z;
        }
    }

    @Differentiable
    static double pairEnergy(double[] pos) {
        int n = pos.length / 3;
        double e = 0;
        for (int i = 0; i < n; i++) {
            Vec3 a = Vec3.at(pos, i);
            for (int j = i + 1; j < n; j++) {
                Vec3 d = a.minus(Vec3.at(pos, j));
                e += 1 / Math.sqrt(d.dot(d) + 0.1);
            }
        }
        return e;
    }

    @Test
    void aFinalClassOfFieldsInNestedLoops() {
        Random r = new Random(5);
        for (int trial = 0; trial < 4; trial++) {
            CentralDifferences.check(ValueObjectsTest::pairEnergy, gaussians(r, 12));
        }
    }

    record Term(int power, double coef) {
        Term scaled(double s) {
            return new Term(power, coef * s);
        }

        double at(double x) {
            return coef * Math.pow(x, power);
        }
    }

    @Differentiable
    static double terms(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += new Term(i, w[i]).scaled(w[0]).at(1.5);
        return s;
    }

    @Test
    void aRecordWithAnIntField() {
        CentralDifferences.check(ValueObjectsTest::terms, 0.5, -1.0, 2.0);
    }

    /** A top-level record (another nest, its fields private to it): its methods inlined, its fields replaced. */
    @Differentiable
    static double widths(double[] w) {
        Interval a = new Interval(w[0], w[0] + w[1] * w[1]);
        Interval b = Interval.around(w[2], 0.5);
        return a.plus(b).width() * a.mid() + Interval.UNIT.plus(a).mid();
    }

    @Test
    void aTopLevelRecordOfAnotherNest() {
        Random r = new Random(13);
        for (int trial = 0; trial < 4; trial++) CentralDifferences.check(ValueObjectsTest::widths, r.nextGaussian(), r.nextGaussian(), r.nextGaussian());
    }

    /** Compact constructors that check and normalise: run where the object is made. */
    record Direction(double dx, double dy) {
        Direction {
            if (!Double.isFinite(dx) || !Double.isFinite(dy)) throw new IllegalArgumentException("not finite: " + dx + ", " + dy);
            double length = Math.hypot(dx, dy);
            dx /= length;
            dy /= length;
        }

        double along(double x, double y) {
            return x * dx + y * dy;
        }
    }

    @Differentiable
    static double projected(double[] w) {
        Direction d = new Direction(w[0], w[1]);
        Direction e = new Direction(d.dy(), -d.dx() * w[2]);
        return d.along(w[2], w[3]) + e.along(1, w[3]) * e.dx();
    }

    @Test
    void constructorsThatCheckAndNormalise() {
        Random r = new Random(17);
        for (int trial = 0; trial < 6; trial++) {
            CentralDifferences.check(ValueObjectsTest::projected, r.nextGaussian(), r.nextGaussian(), 0.5 + r.nextDouble(), r.nextGaussian());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AD.gradient(ValueObjectsTest::projected, new double[] {Double.NaN, 1, 1, 1}));
        assertEquals("not finite: NaN, 1.0", e.getMessage());
    }

    /** A small mutable accumulator, made here. */
    static final class Sum {
        double total;

        void add(double v) {
            total += v;
        }
    }

    /** Objects.requireNonNull with and without a message, on a maybe-null record and on objects made here. */
    @Differentiable
    static double checkedNotNull(double[] w) {
        Vec2 best = null;
        for (int i = 0; i + 1 < w.length; i += 2) {
            Vec2 v = new Vec2(w[i], w[i + 1]);
            if (best == null || v.x() > best.x()) best = v;
        }
        Vec2 b = java.util.Objects.requireNonNull(best, "no points");
        Sum sum = java.util.Objects.requireNonNull(new Sum(), () -> "no sum");
        sum.add(b.x() * b.y());
        java.util.Objects.requireNonNull(sum, "sum");
        Vec2 twice = java.util.Objects.requireNonNull(b.plus(b), "twice");
        return sum.total + Math.sin(java.util.Objects.requireNonNull(twice).y()) * twice.x();
    }

    @Test
    void objectsCheckedNotNull() {
        Random r = new Random(29);
        for (int trial = 0; trial < 5; trial++) {
            CentralDifferences.check(ValueObjectsTest::checkedNotNull, r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian());
        }
        NullPointerException plain = assertThrows(NullPointerException.class, () -> checkedNotNull(new double[] {1}));
        NullPointerException e = assertThrows(NullPointerException.class, () -> AD.gradient(ValueObjectsTest::checkedNotNull, new double[] {1}));
        assertEquals(plain.getMessage(), e.getMessage());
    }

    /** Records of records: a particle's position and velocity, a segment's ends. */
    record Particle(Vec2 position, Vec2 velocity) {
        static final Particle START = new Particle(new Vec2(1, 0), new Vec2(0, 0.5));

        Particle step(Vec2 force, double dt) {
            Vec2 v = velocity.plus(force.times(dt));
            return new Particle(position.plus(v.times(dt)), v);
        }
    }

    record Segment(Vec2 from, Vec2 to) {
        double length() {
            return new Vec2(to.x() - from.x(), to.y() - from.y()).norm();
        }
    }

    @Differentiable
    static double trajectory(double[] w) {
        Particle p = w[0] > 0 ? new Particle(new Vec2(w[0], w[1]), new Vec2(0, 1)) : Particle.START;
        double travelled = 0;
        for (int t = 0; t < 20; t++) {
            Particle next = p.step(new Vec2(-p.position().x() * w[2], -0.5 * p.velocity().y()), 0.05);
            travelled += new Segment(p.position(), next.position()).length();
            p = next;
        }
        return travelled + p.velocity().dot(p.position());
    }

    @Test
    void recordsOfRecords() {
        Random r = new Random(19);
        for (int trial = 0; trial < 6; trial++) {
            CentralDifferences.check(ValueObjectsTest::trajectory, 0.2 + r.nextDouble(), r.nextGaussian(), 0.5 + r.nextDouble());
        }
        CentralDifferences.check(ValueObjectsTest::trajectory, -1, 0.5, 1.5); // from the constant START
    }

    /** A final field with a constant initialiser: javac reads a.rate as a null check and the constant. */
    static final class Scaled {
        final double rate = 0.5;
        final double value;

        Scaled(double value) {
            this.value = value;
        }
    }

    @Differentiable
    static double scaled(double[] w) {
        Scaled a = new Scaled(w[0] * w[1]);
        return a.rate * a.value + a.value * a.value;
    }

    @Differentiable
    static double halfASegment(double[] w) {
        Segment s = new Segment(new Vec2(w[0], w[1]), null);
        return s.from().x() * w[1];
    }

    @Test
    void constantFieldsAndNullParts() {
        CentralDifferences.check(ValueObjectsTest::scaled, 0.7, -1.3);
        // a null part: followed as a mutable object's field (its value classes are tried there when kept as values)
        CentralDifferences.check(ValueObjectsTest::halfASegment, 0.4, -1.1);
    }

    /** A rotation from an axis and an angle: axisAngle calls normalized, which calls length, which calls dot. */
    record Axis(double x, double y, double z) {
        Axis scale(double k) { return new Axis(x * k, y * k, z * k); }
        double dot(Axis o) { return x * o.x + y * o.y + z * o.z; }
        double length() { return Math.sqrt(dot(this)); }
        Axis normalized() { return scale(1 / length()); }
    }

    record Quaternion(double w, double x, double y, double z) {
        static Quaternion axisAngle(Axis axis, double angle) {
            Axis n = axis.normalized();
            double s = Math.sin(angle / 2);
            return new Quaternion(Math.cos(angle / 2), n.x() * s, n.y() * s, n.z() * s);
        }

        /** The rotated vector's first coordinate: q v q*. */
        double rotatedX(Axis v) {
            return (1 - 2 * (y * y + z * z)) * v.x() + 2 * (x * y - w * z) * v.y() + 2 * (x * z + w * y) * v.z();
        }
    }

    @Differentiable
    static double rotatedAboutAnAxis(double[] p) {
        return Quaternion.axisAngle(new Axis(p[0], p[1], 1), p[2]).rotatedX(new Axis(1, p[3], 0));
    }

    @Test
    void aChainOfMethodsFourCallsDeep() {
        Random r = new Random(5);
        for (int trial = 0; trial < 4; trial++) {
            CentralDifferences.check(ValueObjectsTest::rotatedAboutAnAxis, r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian());
        }
    }

    /** Objects holding arrays: a wrapper over the weights, a layer record, a smoother with a history buffer. */
    static final class Portfolio {
        final double[] weights;

        Portfolio(double[] weights) {
            this.weights = weights;
        }

        double variance(double[][] cov) {
            double v = 0;
            for (int i = 0; i < weights.length; i++) {
                for (int j = 0; j < weights.length; j++) v += weights[i] * cov[i][j] * weights[j];
            }
            return v;
        }

        double expected(double[] mu) {
            double r = 0;
            for (int i = 0; i < weights.length; i++) r += weights[i] * mu[i];
            return r;
        }
    }

    record Layer(double[] w, double bias) {
        double apply(double[] x) {
            double s = bias;
            for (int i = 0; i < x.length; i++) s += w[i] * x[i];
            return Math.tanh(s);
        }
    }

    static final class Smoother {
        final double alpha;
        final double[] history;

        Smoother(double alpha, int n) {
            this.alpha = alpha;
            this.history = new double[n];
        }

        double step(double x, int i) {
            double before = i == 0 ? x : history[i - 1];
            history[i] = alpha * x + (1 - alpha) * before;
            return history[i];
        }
    }

    static final double[][] COV = {{0.1, 0.02, 0.01}, {0.02, 0.2, 0.03}, {0.01, 0.03, 0.15}};
    static final double[] MU = {0.05, 0.08, 0.06};

    @Differentiable
    static double sharpe(double[] w) {
        Portfolio p = new Portfolio(w);
        return p.expected(MU) / Math.sqrt(p.variance(COV));
    }

    @Differentiable
    static double layered(double[] w) {
        Layer first = new Layer(w, 0.5 * w[0]);
        Layer shifted = new Layer(first.w(), first.bias() + w[1]); // the same array under two objects
        double[] x = {0.4, -0.3, 0.9};
        return first.apply(x) * shifted.apply(x);
    }

    @Differentiable
    static double smoothed(double[] w) {
        Smoother s = new Smoother(0.3 + 0.1 * w[0], w.length);
        double t = 0;
        for (int i = 0; i < w.length; i++) t += s.step(w[i], i) * s.step(w[i], i);
        return t + s.history[w.length - 1];
    }

    /** Objects holding arrays, in an array of them. */
    @Differentiable
    static double portfolios(double[] w) {
        Portfolio[] ps = {new Portfolio(w), new Portfolio(w)};
        return ps[0].variance(COV) + ps[1].expected(MU);
    }

    @Test
    void objectsHoldingArrays() {
        Random r = new Random(9);
        for (int trial = 0; trial < 3; trial++) {
            CentralDifferences.check(ValueObjectsTest::sharpe, 0.2 + r.nextDouble(), 0.2 + r.nextDouble(), 0.2 + r.nextDouble());
            CentralDifferences.check(ValueObjectsTest::layered, r.nextGaussian(), r.nextGaussian(), r.nextGaussian());
            CentralDifferences.check(ValueObjectsTest::smoothed, r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian());
        }
        // in an array of them: followed as mutable objects are, an array per field
        CentralDifferences.check(ValueObjectsTest::portfolios, 0.2 + r.nextDouble(), 0.2 + r.nextDouble(), 0.2 + r.nextDouble());
    }

    /** An array of records made in the method: an array per field (and which elements are set). */
    record Body(Vec2 position, double mass) {}

    @Differentiable
    static double potential(double[] w, double[] masses) {
        int n = masses.length;
        Body[] bodies = new Body[n];
        for (int i = 0; i < n; i++) bodies[i] = new Body(new Vec2(w[2 * i], w[2 * i + 1]), masses[i] * w[2 * n]);
        double e = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                Vec2 d = new Vec2(bodies[i].position().x() - bodies[j].position().x(), bodies[i].position().y() - bodies[j].position().y());
                e -= bodies[i].mass() * bodies[j].mass() / Math.sqrt(d.dot(d) + 0.01);
            }
        }
        double kinetic = 0;
        for (Body b : bodies) kinetic += 0.5 * b.mass() * b.position().dot(b.position());
        return e + kinetic;
    }

    @Differentiable
    static double readsAnUnsetElement(double[] w) {
        Vec2[] points = new Vec2[2];
        points[0] = new Vec2(w[0], w[1]);
        return points[0].norm() + points[1].x();
    }

    @Differentiable
    static double skipsUnsetElements(double[] w) {
        Vec2[] points = new Vec2[3];
        points[0] = new Vec2(w[0], w[1]);
        points[2] = new Vec2(w[1], 2);
        double s = 0;
        for (Vec2 p : points) if (p != null) s += p.norm();
        return s;
    }

    @Differentiable
    static double movesNulls(double[] w) {
        Vec2[] a = new Vec2[3];
        Vec2[] b = new Vec2[2];
        a[0] = new Vec2(w[0], w[1]);
        Vec2 unused = a[1]; // a null, never read
        b[0] = a[2]; // copied
        Vec2 t = a[0]; // swapped with a null
        a[0] = a[1];
        a[1] = t;
        double s = b[0] == null ? 1 : 0;
        return a[1].x() * a[1].y() + (a[0] == null ? s * w[0] : 0) + (unused == null ? w[1] * w[1] : 0);
    }

    @Differentiable
    static double methodsOfElements(double[] w) {
        Vec2[] points = {new Vec2(w[0], w[1]), Vec2.polar(w[1], w[0])};
        return points[0].plus(points[1]).norm() * points[1].dot(points[0]);
    }

    @Test
    void arraysOfRecordsMadeInTheMethod() {
        double[] masses = {1.0, 2.0, 0.5, 1.5};
        Random r = new Random(29);
        for (int trial = 0; trial < 4; trial++) {
            double[] w = java.util.Arrays.copyOf(gaussians(r, 8), 9);
            w[8] = 0.5 + r.nextDouble();
            CentralDifferences.check(p -> potential(p, masses), w);
        }
        // the element never set is null in Java: reading it throws, as the plain call does
        assertThrows(NullPointerException.class, () -> readsAnUnsetElement(new double[] {1, 2}));
        assertThrows(NullPointerException.class, () -> AD.gradient(ValueObjectsTest::readsAnUnsetElement, new double[] {1, 2}));
        CentralDifferences.check(ValueObjectsTest::methodsOfElements, 0.3, 1.2);
        // elements never set are nulls: tested, copied, swapped, left unread, as in Java
        CentralDifferences.check(ValueObjectsTest::skipsUnsetElements, 0.4, -1.1);
        CentralDifferences.check(ValueObjectsTest::movesNulls, 0.8, 1.7);
    }

    interface Weighting {
        double weight(double x);
    }

    /** A final class with a constant field, used through its interface: its objects stay objects, as data. */
    static final class Damped implements Weighting {
        final double rate = 0.5;

        public double weight(double x) {
            return 1 / (1 + rate * x * x);
        }
    }

    @Differentiable
    static double weighted(double[] w) {
        Weighting weighting = new Damped();
        Vec2 p = new Vec2(w[0], w[1]);
        return weighting.weight(p.x()) * p.dot(p);
    }

    @Test
    void oneClassKeptAsObjectsDoesNotStopAnother() {
        CentralDifferences.check(ValueObjectsTest::weighted, 0.6, -0.9);
    }

    /** An optional setting: a static field of a record that may be null. */
    static Vec2 wind = null;

    /** One parameter setting two fields. */
    static final class Splat {
        final double x;
        final double y;

        Splat(double s) {
            this.x = s;
            this.y = s;
        }
    }

    /** A secondary constructor delegating to the canonical one, and one delegating to a compact one. */
    record Span(double from, double to) {
        Span(double length) {
            this(0, length);
        }

        Span(double centre, double radius, boolean checked) {
            this(centre - radius, centre + radius);
        }

        /** An argument computed with an object of its own: its constructor call is not the superclass's. */
        Span(double length, Units units) {
            this(0, new Units(units.k * 2).of(length));
        }
    }

    static class Units {
        final double k;

        Units(double k) {
            this.k = k;
        }

        double of(double x) {
            return k * x;
        }
    }

    @Differentiable
    static double withOptionalWind(double[] w) {
        Vec2 v = wind;
        Vec2 p = new Vec2(w[0], w[1]);
        double push = v == null ? 0 : v.dot(p);
        Splat s = new Splat(w[0] * w[1]);
        Span a = new Span(w[1] * w[1]);
        Span b = new Span(w[0], w[1], true);
        Span c = new Span(w[0] - w[1], new Units(1.5));
        return p.dot(p) + push + s.x * 3 + s.y + a.to() * b.from() - b.to() + c.to() * c.to();
    }

    @Test
    void aStaticFieldThatMayBeNullAndConstructorsSettingTwoFieldsFromOneOrDelegating() {
        try {
            CentralDifferences.check(ValueObjectsTest::withOptionalWind, 0.7, -0.4);
            wind = new Vec2(2, 3);
            CentralDifferences.check(ValueObjectsTest::withOptionalWind, 0.7, -0.4);
        } finally {
            wind = null;
        }
    }

    private static double[] gaussians(Random r, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextGaussian();
        return x;
    }

    static final List<Vec2> SEEN = new ArrayList<>();

    @Differentiable
    static double kept(double x) {
        Vec2 v = new Vec2(x, x * x);
        SEEN.add(v);
        return v.norm();
    }

    static Vec2 GIVEN;

    @Differentiable
    static double chosen(double x, Vec2 given) {
        Vec2 v = x > 0 ? new Vec2(x, 1) : given;
        return v.dot(v);
    }

    /** A helper with a switch is inlined like any other: the record it is given stays in locals. */
    static double weighted(Vec2 v, int kind) {
        switch (kind) {
            case 0:
                return v.x();
            case 1:
                return v.y();
            default:
                return v.x() * v.y();
        }
    }

    @Differentiable
    static double givenToASwitch(double x) {
        Vec2 v = new Vec2(x, 2 * x);
        return weighted(v, 2) + weighted(v, 0);
    }

    /** A helper whose message concatenates strings (an invokedynamic) is inlined, the message built where it throws. */
    static double checked(Vec2 v, int kind) {
        if (kind < 0) throw new IllegalArgumentException("no kind " + kind);
        return v.x() * kind;
    }

    @Differentiable
    static double givenToAHelperThatConcatenates(double x) {
        return checked(new Vec2(x, 2 * x), 3);
    }

    /** A helper with a try/catch is not inlined. */
    static double guarded(Vec2 v, int kind) {
        try {
            return v.x() * kind;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    @Differentiable
    static double givenToAHelperWithATry(double x) {
        return guarded(new Vec2(x, 2 * x), 3);
    }

    @Test
    void aHelperWithASwitchTakesTheRecordAndOneNotInlinedIsRefusedSayingWhyNot() {
        assertEquals(4 * 1.5 + 1, AD.derivative(ValueObjectsTest::givenToASwitch, 1.5), 1e-12); // 2x² + x
        assertEquals(3, AD.derivative(ValueObjectsTest::givenToAHelperThatConcatenates, 1.0), 0);
        TransformException e = assertThrows(TransformException.class,
                () -> AD.derivative(ValueObjectsTest::givenToAHelperWithATry, 1.0));
        assertTrue(e.getMessage().contains("is passed to ValueObjectsTest.guarded, which is not inlined")
                && e.getMessage().contains("; it has a try/catch"), e.getMessage());
    }

    /** A record made into text: in an exception's message, printed, in an assertion's message, in a builder. */
    @Differentiable
    static double describedAsText(double[] w) {
        Vec2 v = new Vec2(w[0], w[1] * w[0]);
        Vec2 u = v.times(w[1]);
        if (Double.isNaN(u.x())) throw new IllegalStateException("diverged at " + u + " from " + v);
        if (u.y() > 1e300) System.out.println(u);
        assert u.x() < 1e300 : u;
        StringBuilder log = new StringBuilder().append(v).append(' ').append(w[1]);
        if (log.length() > 100_000) throw new IllegalStateException(log.toString() + String.valueOf(u) + v.toString());
        return u.dot(v) + Math.sin(u.y());
    }

    /** The message is the record's own text, with the values it had where it was made into text. */
    @Differentiable
    static double throwsWithTheRecord(double x) {
        Vec2 v = new Vec2(x, x * x);
        if (v.y() > 3) throw new IllegalArgumentException("too far: " + v);
        return v.y();
    }

    @Test
    void recordsMadeIntoTextAreRebuiltWhereTheyAre() {
        Random r = new Random(11);
        for (int trial = 0; trial < 5; trial++) CentralDifferences.check(ValueObjectsTest::describedAsText, r.nextGaussian(), r.nextGaussian());
        assertEquals(2 * 1.5, AD.derivative(ValueObjectsTest::throwsWithTheRecord, 1.5), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AD.derivative(ValueObjectsTest::throwsWithTheRecord, 2.0));
        assertEquals("too far: Vec2[x=2.0, y=4.0]", e.getMessage());
    }

    /** A final class with its own toString, made by a constructor that only sets its fields. */
    static final class Money {
        private final double amount;
        private final String currency;

        Money(double amount, String currency) {
            this.amount = amount;
            this.currency = currency;
        }

        double amount() {
            return amount;
        }

        @Override
        public String toString() {
            return String.format("%.3f %s", amount, currency);
        }
    }

    /** A record whose compact constructor checks its arguments. */
    record Positive(double value) {
        Positive {
            if (!(value > 0)) throw new IllegalArgumentException("not positive: " + value);
        }
    }

    static final List<String> TEXT = new ArrayList<>();

    /** Records of records, array elements, a record holding an enum, a class with its own toString: each logged as text. */
    @Differentiable
    static double logged(double[] w) {
        Segment s = new Segment(new Vec2(w[0], w[1]), new Vec2(w[1], w[0] * w[1]));
        Vec2[] corners = new Vec2[3];
        corners[0] = s.from();
        corners[2] = s.to().times(w[0]);
        Unit unit = new Unit(w[1], w[0] > 0 ? Activation.TANH : Activation.SQUARE);
        Money price = new Money(w[0] * 3, "EUR");
        Positive p = new Positive(Math.exp(w[1]));
        TEXT.add("segment " + s + ", corners " + corners[0] + " " + corners[1] + " " + corners[2]);
        TEXT.add(String.valueOf(unit) + ' ' + price + " " + java.util.Objects.toString(p, "-"));
        TEXT.add(String.format("%s | %s | %.4f", s.from(), unit, w[0]) + "%s, %s".formatted(corners[1], p));
        TEXT.add(new java.util.Formatter().format("%s %s", corners[2], price).toString());
        return s.length() * corners[2].x() + unit.out(price.amount()) + p.value();
    }

    @Test
    void objectsOfEveryShapeMadeIntoTextReadAsThePlainMethodWrites() {
        Random r = new Random(23);
        for (int trial = 0; trial < 4; trial++) {
            double[] w = {r.nextGaussian(), r.nextGaussian()};
            TEXT.clear();
            double plain = logged(w.clone());
            List<String> expected = List.copyOf(TEXT);
            TEXT.clear();
            assertEquals(plain, AD.valueAndGradient(ValueObjectsTest::logged, w.clone()).value(), 1e-12);
            assertEquals(expected, TEXT, "the text the gradient's run wrote");
            CentralDifferences.check(ValueObjectsTest::logged, w);
        }
    }

    record Weights(double[] values) {}

    /** A record holding an array, printed: its text names the array's identity, as the plain method's does. */
    @Differentiable
    static double printsAnArrayHolder(double[] w) {
        Weights held = new Weights(new double[] {w[0] * 2});
        TEXT.add(held.toString().replaceAll("@\\p{XDigit}+", "@"));
        return held.values()[0] * w[0];
    }

    /** The arguments' array is kept and read back: not only text, so the record in it is not made again as data. */
    @Differentiable
    static double formatsAndReadsBack(double[] w) {
        Object[] args = {new Vec2(w[0], w[1])};
        TEXT.add(String.format("%s", args));
        return ((Vec2) args[0]).x() * 2;
    }

    @Test
    void anObjectHoldingAnArrayIsPrintedAndOneReadBackFromAFormattingArrayIsRefused() {
        TEXT.clear();
        assertArrayEquals(new double[] {4 * 1.5}, AD.gradient(ValueObjectsTest::printsAnArrayHolder, new double[] {1.5}), 1e-12);
        assertEquals(List.of("Weights[values=[D@]"), TEXT);
        TransformException kept = assertThrows(TransformException.class,
                () -> AD.gradient(ValueObjectsTest::formatsAndReadsBack, new double[] {1, 2}));
        assertTrue(kept.getMessage().contains("is stored into an array"), kept.getMessage());
    }

    /** The previous point of a polyline, null before the first: in locals and over an array of them. */
    @Differentiable
    static double polyline(double[] w) {
        double length = 0;
        Vec2 previous = null;
        for (int i = 0; i + 1 < w.length; i += 2) {
            Vec2 p = new Vec2(w[i], w[i + 1]);
            if (previous != null) length += p.plus(previous.times(-1)).norm();
            previous = p;
        }
        Vec2[] corners = new Vec2[w.length / 2];
        for (int i = 0; i < corners.length; i++) corners[i] = new Vec2(w[2 * i] * w[2 * i], w[2 * i + 1]);
        Vec2 last = null;
        for (Vec2 c : corners) {
            if (last != null) length += 0.5 * c.plus(last.times(-1)).norm();
            last = c;
        }
        TEXT.add("ends at " + last + ", before it " + (corners.length > 1 ? corners[corners.length - 2] : null));
        Object end = last;
        if (end instanceof Vec2 v) length += 0.1 * v.x(); // a pattern over one that may be null
        return length;
    }

    /** The best candidate so far, null until the first: an arg-max kept in a record. */
    @Differentiable
    static double best(double[] w) {
        Vec2 best = null;
        for (int i = 0; i + 1 < w.length; i += 2) {
            Vec2 p = new Vec2(w[i], Math.exp(w[i + 1]));
            if (best == null || p.dot(p) > best.dot(best)) best = p;
        }
        return best == null ? 0 : best.x() * best.y();
    }

    /** A record that may never be set: read, it throws the plain method's NullPointerException. */
    @Differentiable
    static double neverSet(double[] w) {
        Vec2 found = null;
        for (int i = 0; i < w.length; i++) if (w[i] > 1e300) found = new Vec2(w[i], 1);
        return found.x() * w[0];
    }

    @Test
    void recordsThatMayBeNullCarryWhetherTheyAreThere() {
        Random r = new Random(29);
        for (int trial = 0; trial < 4; trial++) {
            double[] w = new double[8];
            for (int i = 0; i < w.length; i++) w[i] = r.nextGaussian();
            TEXT.clear();
            polyline(w.clone());
            List<String> plain = List.copyOf(TEXT);
            TEXT.clear();
            CentralDifferences.check(ValueObjectsTest::polyline, w);
            assertEquals(plain, TEXT.subList(0, plain.size()), "the text of the gradient's run");
            CentralDifferences.check(ValueObjectsTest::best, w);
        }
        assertEquals(0, AD.gradient(ValueObjectsTest::best, new double[0]).length);
        assertThrows(NullPointerException.class, () -> AD.gradient(ValueObjectsTest::neverSet, new double[] {1, 2}));
    }

    /** An option as a pricer writes it: the flag that picks call or put is a component too. */
    record OptionSpec(double spot, double strike, double rate, double vol, double years, boolean call) {}

    static double d1(OptionSpec o) {
        return (Math.log(o.spot() / o.strike()) + (o.rate() + 0.5 * o.vol() * o.vol()) * o.years())
                / (o.vol() * Math.sqrt(o.years()));
    }

    static double d2(OptionSpec o) {
        return d1(o) - o.vol() * Math.sqrt(o.years());
    }

    static double normalCdf(double x) {
        return 0.5 * (1 + Math.tanh(0.7978845608 * (x + 0.044715 * x * x * x)));
    }

    /** Branches on the record's flag in a helper that calls helpers, which call the accessors. */
    static double blackScholes(OptionSpec o) {
        double discount = Math.exp(-o.rate() * o.years());
        if (o.call()) return o.spot() * normalCdf(d1(o)) - o.strike() * discount * normalCdf(d2(o));
        return o.strike() * discount * normalCdf(-d2(o)) - o.spot() * normalCdf(-d1(o));
    }

    @Differentiable
    static double book(double[] market) {
        double value = 0;
        for (int k = 0; k < 4; k++) {
            value += blackScholes(new OptionSpec(market[0], market[1] + 5 * k, market[2], market[3], market[4], k % 2 == 0));
        }
        return value;
    }

    /** Recursive, so not inlined: a helper calling it is not inlined either. */
    static double compounded(Vec2 v, int n) {
        return n == 0 ? v.x() : 1.01 * compounded(v, n - 1);
    }

    static double compoundedTwice(Vec2 v) {
        return compounded(v, 2) + v.y();
    }

    @Differentiable
    static double givenToAHelperCallingARecursiveOne(double x) {
        return compoundedTwice(new Vec2(x, x * x));
    }

    @Test
    void aRecordsFlagBranchedOnInHelpersTwoCallsDeepAndARecursiveHelperRefusedSayingSo() {
        Random r = new Random(11);
        for (int trial = 0; trial < 5; trial++) {
            CentralDifferences.check(ValueObjectsTest::book, 80 + 40 * r.nextDouble(), 80 + 40 * r.nextDouble(),
                    0.05 * r.nextDouble(), 0.1 + 0.3 * r.nextDouble(), 0.5 + r.nextDouble());
        }
        TransformException e = assertThrows(TransformException.class,
                () -> AD.derivative(ValueObjectsTest::givenToAHelperCallingARecursiveOne, 1.0));
        // the helper in between is inlined to find the one that stops it, and the reason is the one inlining found
        assertTrue(e.getMessage().contains("is passed to ValueObjectsTest.compounded, which is not inlined")
                && e.getMessage().contains("; it is recursive"),
                e.getMessage());
    }

    /** Records collected in a list made here, then read back: the list becomes an array per component. */
    @Differentiable
    static double listOfRecords(double[] p) {
        List<Vec2> points = new ArrayList<>();
        for (int i = 0; i + 1 < p.length; i += 2) points.add(new Vec2(p[i], p[i + 1]));
        double s = 0;
        for (Vec2 q : points) s += q.dot(q) + Math.sin(q.y());
        return s + points.get(0).norm();
    }

    static final class Point {
        final double x;
        final double y;

        Point(double x, double y) {
            this.x = x;
            this.y = y;
        }
    }

    /** A final class holding an array of another: its points are an array made by its caller. */
    static final class Polygon {
        final Point[] corners;

        Polygon(Point[] corners) {
            this.corners = corners;
        }

        double area() {
            double twice = 0;
            for (int i = 0; i < corners.length; i++) {
                Point u = corners[i];
                Point v = corners[(i + 1) % corners.length];
                twice += u.x * v.y - v.x * u.y;
            }
            return 0.5 * twice;
        }
    }

    @Differentiable
    static double polygonArea(double[] p) {
        Point[] corners = new Point[p.length / 2];
        for (int i = 0; i < corners.length; i++) corners[i] = new Point(p[2 * i], p[2 * i + 1]);
        return new Polygon(corners).area();
    }

    interface Distance {
        double at(double x);
    }

    record Well(double centre) implements Distance {
        public double at(double x) {
            return (x - centre) * (x - centre);
        }
    }

    record Wall(double height) implements Distance {
        public double at(double x) {
            return height * x;
        }
    }

    /** Objects of two classes in one array of their interface: not followed, and the refusal says what to do. */
    @Differentiable
    static double mixedArray(double[] p) {
        Distance[] parts = new Distance[p.length];
        for (int i = 0; i < p.length; i++) parts[i] = i % 2 == 0 ? new Well(p[i]) : new Wall(p[i]);
        double s = 0;
        for (Distance d : parts) s += d.at(0.5);
        return s;
    }

    /** A list of records given to a method that is not inlined: the refusal names that use, not the add. */
    @Differentiable
    static double listWithRemove(double[] p) {
        List<Vec2> points = new ArrayList<>();
        for (int i = 0; i + 1 < p.length; i += 2) points.add(new Vec2(p[i], p[i + 1]));
        points.remove(0);
        double s = 0;
        for (Vec2 q : points) s += q.dot(q);
        return s;
    }

    @Test
    void immutableObjectsInListsAndArraysMadeHere() {
        Random r = new Random(5);
        for (int trial = 0; trial < 4; trial++) {
            double[] p = new double[6];
            for (int i = 0; i < p.length; i++) p[i] = r.nextGaussian();
            CentralDifferences.check(ValueObjectsTest::listOfRecords, p);
            CentralDifferences.check(ValueObjectsTest::polygonArea, p);
        }
        TransformException mixed = assertThrows(TransformException.class,
                () -> AD.gradient(ValueObjectsTest::mixedArray, new double[] {0.1, 0.2}));
        assertTrue(mixed.getMessage().contains("keep one array per class"), mixed.getMessage());
        TransformException removed = assertThrows(TransformException.class,
                () -> AD.gradient(ValueObjectsTest::listWithRemove, new double[] {0.1, 0.2, 0.3, 0.4}));
        assertTrue(removed.getMessage().contains("has its method List.remove called, which is not inlined"), removed.getMessage());
    }

    record Disc(Vec2 centre, double r) {
        Disc {
            if (r <= 0) throw new IllegalArgumentException("radius " + r);
        }
    }

    @Differentiable
    static double discOfANestedRecordThatChecks(double x) {
        return new Disc(new Vec2(x, x), x + 1).centre().x();
    }

    static final class Halfway {
        final double g;
        double energy;

        Halfway(double g) {
            this.g = g;
        }
    }

    @Differentiable
    static double aFieldNoConstructorSets(double x) {
        return new Halfway(x).g * x;
    }

    interface Scale {
        double of(double v);
    }

    @Differentiable
    static double anonymous(double x) {
        Scale s = new Scale() {
            final double k = x;

            @Override
            public double of(double v) {
                return k * v;
            }
        };
        return s.of(x);
    }

    /** A constructor grad4j cannot run where the object is made. */
    static final class Parsed {
        final double v;

        Parsed(double v) {
            double t;
            try {
                t = Math.sqrt(v);
            } catch (RuntimeException e) {
                t = 0;
            }
            this.v = t;
        }
    }

    @Differentiable
    static double constructedInATry(double x) {
        return new Parsed(x).v * x;
    }

    @Test
    void classesThatAreNotValueClassesAreFollowedAsMutableObjectsOrSayWhyNot() {
        // not value classes (a check in a record holding a record, a field no constructor sets, an
        // anonymous class), but made and used here: followed as mutable objects (MutableObjects)
        assertEquals(1.0, AD.derivative(ValueObjectsTest::discOfANestedRecordThatChecks, 1.5), 0);
        assertEquals(3.0, AD.derivative(ValueObjectsTest::aFieldNoConstructorSets, 1.5), 1e-15);
        assertEquals(3.0, AD.derivative(ValueObjectsTest::anonymous, 1.5), 1e-15);
        TransformException e = assertThrows(TransformException.class, () -> AD.derivative(ValueObjectsTest::constructedInATry, 1.0));
        assertTrue(e.getMessage().contains("a constructor call with differentiable arguments (new ValueObjectsTest.Parsed(...)): "
                + "the ValueObjectsTest.Parsed has a constructor grad4j cannot run where the object is made "
                + "(ValueObjectsTest.Parsed's: it has a try/catch)"), e.getMessage());
    }

    sealed interface Shape permits Round, Box {}

    record Round(double r) implements Shape {}

    record Box(double w, double h) implements Shape {}

    /** Pattern matching over a sealed interface of records, in a helper. */
    static double area(Shape s) {
        if (s instanceof Round c) return Math.PI * c.r() * c.r();
        if (s instanceof Box b) return b.w() * b.h();
        throw new IllegalArgumentException("unknown shape");
    }

    @Differentiable
    static double shapes(double[] x) {
        Shape round = new Round(x[0]);
        return area(round) + area(new Box(x[1], x[2])) + (round instanceof Box ? 100 : 0);
    }

    @Test
    void recordsTestedWithInstanceofInAHelperAreFollowed() {
        double[] x = {1.5, 2.0, 3.0};
        assertArrayEquals(new double[] {2 * Math.PI * x[0], x[2], x[1]}, AD.gradient(ValueObjectsTest::shapes, x), 1e-12);
    }

    /** The helper's pattern matching on elements of an array and a list of records made here. */
    @Differentiable
    static double shapesInContainers(double[] x) {
        Round[] rounds = new Round[x.length];
        for (int i = 0; i < x.length; i++) rounds[i] = new Round(x[i]);
        List<Box> boxes = new ArrayList<>();
        for (int i = 0; i + 1 < x.length; i++) boxes.add(new Box(x[i], x[i + 1]));
        double total = 0;
        for (Round r : rounds) total += area(r);
        for (Box b : boxes) total += area(b);
        return total;
    }

    @Test
    void recordsTestedWithInstanceofAsElementsOfArraysAndLists() {
        Random r = new Random(3);
        for (int trial = 0; trial < 3; trial++) {
            CentralDifferences.check(ValueObjectsTest::shapesInContainers, r.nextGaussian(), r.nextGaussian(), r.nextGaussian());
        }
    }

    enum Activation {
        TANH {
            @Override
            double apply(double z) {
                return Math.tanh(z);
            }
        },
        SQUARE {
            @Override
            double apply(double z) {
                return z * z;
            }
        };

        abstract double apply(double z);
    }

    /** A record holding an enum constant: the constant's behaviour, and a switch on it. */
    record Unit(double w, Activation act) {
        double out(double x) {
            return act.apply(w * x);
        }

        double scaled(double x) {
            return switch (act) {
                case TANH -> 2 * w * x;
                case SQUARE -> w;
            };
        }
    }

    @Differentiable
    static double unitsWithActivations(double[] p) {
        Unit a = new Unit(p[0], Activation.TANH);
        Unit b = new Unit(p[1], Activation.SQUARE);
        return a.out(0.7) + b.out(1.3) + a.scaled(0.5) + b.scaled(3.0);
    }

    @Test
    void recordsHoldingEnumConstantsAreFollowed() {
        double[] p = {0.4, -0.8};
        double t = Math.tanh(0.7 * p[0]);
        double[] expected = {0.7 * (1 - t * t) + 1.0, 2 * p[1] * 1.3 * 1.3 + 1};
        assertArrayEquals(expected, AD.gradient(ValueObjectsTest::unitsWithActivations, p), 1e-12);
    }

    interface Density {
        double logPdf(double x);
    }

    record Gaussian(double mu, double sigma) implements Density {
        public double logPdf(double x) {
            double z = (x - mu) / sigma;
            return -0.5 * z * z - Math.log(sigma);
        }
    }

    record Laplacian(double mu, double b) implements Density {
        public double logPdf(double x) {
            return -Math.abs(x - mu) / b - Math.log(2 * b);
        }
    }

    static boolean gaussian = true;

    /** One variable for objects of two classes: refused, the message naming both. */
    @Differentiable
    static double eitherDensity(double[] p) {
        Density d = gaussian ? new Gaussian(p[0], p[1]) : new Laplacian(p[0], p[1]);
        return -d.logPdf(0.3);
    }

    /** What that message says to write instead: each object's method called where it is made. */
    @Differentiable
    static double eitherLogPdf(double[] p) {
        return -(gaussian ? new Gaussian(p[0], p[1]).logPdf(0.3) : new Laplacian(p[0], p[1]).logPdf(0.3));
    }

    @Test
    void aVariableHoldingObjectsOfTwoClassesIsRefusedNamingBoth() {
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(ValueObjectsTest::eitherDensity, new double[] {0.1, 1.5}));
        assertTrue(e.getMessage().matches("(?s).*the ValueObjectsTest.Gaussian used on line \\d+ may also be a "
                + "ValueObjectsTest.Laplacian \\(line \\d+\\) made in the method \\(one variable for objects of two classes.*"), e.getMessage());
        double[] p = {0.1, 1.5};
        double z = (0.3 - 0.1) / 1.5;
        assertArrayEquals(new double[] {-z / 1.5, (1 - z * z) / 1.5}, AD.gradient(ValueObjectsTest::eitherLogPdf, p), 1e-12);
        gaussian = false;
        try {
            assertArrayEquals(new double[] {-1 / 1.5, 1 / 1.5 - 0.2 / (1.5 * 1.5)}, AD.gradient(ValueObjectsTest::eitherLogPdf, p), 1e-12);
        } finally {
            gaussian = true;
        }
    }

    /** A sealed interface's cases in one variable: refused, naming both classes. */
    @Differentiable
    static double eitherShape(double[] p) {
        Shape s = p[0] > 0 ? new Box(p[1], p[2]) : new Round(p[2]);
        return area(s);
    }

    /** What the message says to write instead. */
    @Differentiable
    static double eachShapeWhereMade(double[] p) {
        return p[0] > 0 ? area(new Box(p[1], p[2])) : area(new Round(p[2]));
    }

    @Test
    void aVariableHoldingTwoCasesOfASealedInterfaceIsRefusedNamingBoth() {
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(ValueObjectsTest::eitherShape, new double[] {1, 2, 3}));
        assertTrue(e.getMessage().matches("(?s).*the ValueObjectsTest.(Box|Round) used on line \\d+ \\(in org.grad4j.agent.ValueObjectsTest.area "
                + "\\(ValueObjectsTest.java:\\d+\\)\\) may also be a ValueObjectsTest.(Box|Round) \\(line \\d+\\) made in the method.*"), e.getMessage());
        assertArrayEquals(new double[] {0, 3, 2}, AD.gradient(ValueObjectsTest::eachShapeWhereMade, new double[] {1, 2, 3}), 1e-12);
        assertArrayEquals(new double[] {0, 0, 2 * Math.PI * 3}, AD.gradient(ValueObjectsTest::eachShapeWhereMade, new double[] {-1, 2, 3}), 1e-12);
    }

    @Differentiable
    static double configured(double[] w) {
        Config c = Config.builder().a(w[0]).b(w[1]).build();
        return c.a * c.a + c.b;
    }

    /** The builder's {@code build} reaches Config's private constructor: the refusal names that, not the builder. */
    @Test
    void aPrivateConstructorOfAnotherNestIsNamed() {
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(ValueObjectsTest::configured, new double[] {0.5, 2}));
        assertTrue(e.getMessage().contains("it uses a constructor of Config, which code generated for another class cannot reach"),
                e.getMessage());
    }

    @Test
    void objectsThatLeaveTheMethodAreRefusedSayingHow() {
        TransformException kept = assertThrows(TransformException.class, () -> AD.derivative(ValueObjectsTest::kept, 1.0));
        assertTrue(kept.getMessage().matches("(?s).*a constructor call with differentiable arguments \\(new ValueObjectsTest.Vec2\\(...\\)\\): "
                + "the ValueObjectsTest.Vec2 used on line \\d+ is passed to List.add, which is not inlined.*"), kept.getMessage());
        GIVEN = new Vec2(1, 2);
        TransformException chosen = assertThrows(TransformException.class, () -> AD.derivative(x -> chosen(x, GIVEN), 1.0));
        assertTrue(chosen.getMessage().contains("may be null, an object of another class, or one from elsewhere"), chosen.getMessage());
        // a record handed in by the lambda is made again where the gradient starts (of its fields): then it is one made here
        Vec2 given = new Vec2(1, 2);
        assertEquals(2 * 1.5, AD.derivative(x -> chosen(x, given), 1.5), 1e-12);
        assertEquals(0, AD.derivative(x -> chosen(x, given), -1.5), 0);
        assertTrue(SEEN.isEmpty(), "the refusal comes before the function runs");
    }
}

/** An interval, a top-level record: not of {@code ValueObjectsTest}'s nest. */
record Interval(double lo, double hi) {
    static final Interval UNIT = new Interval(0, 1);

    static Interval around(double centre, double radius) {
        return new Interval(centre - radius, centre + radius);
    }

    Interval plus(Interval o) {
        return new Interval(lo + o.lo, hi + o.hi);
    }

    double width() {
        return hi - lo;
    }

    double mid() {
        return (lo + hi) / 2;
    }
}

/** A configuration made by its builder through a private constructor: a top-level class, a nest of its own. */
final class Config {
    final double a;
    final double b;

    private Config(Builder builder) {
        a = builder.a;
        b = builder.b;
    }

    static Builder builder() {
        return new Builder();
    }

    static final class Builder {
        double a = 1;
        double b = 0;

        Builder a(double v) {
            a = v;
            return this;
        }

        Builder b(double v) {
            b = v;
            return this;
        }

        Config build() {
            return new Config(this);
        }
    }
}
