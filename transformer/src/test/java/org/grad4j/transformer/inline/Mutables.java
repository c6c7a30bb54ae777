package org.grad4j.transformer.inline;

import java.util.ArrayList;
import java.util.List;

/**
 * Objects with state, made and used in one method, as users write them: accumulators, filters,
 * simulated particles, builders, buffers, subclasses. Each public method is run as written and
 * with its objects replaced by their fields ({@link MutableObjectsTest}).
 */
public class Mutables {
    private final double scale = 0.75;

    /** Welford's running mean and variance. */
    static final class Welford {
        private long n;
        private double mean;
        private double m2;

        void add(double v) {
            n++;
            double d = v - mean;
            mean += d / n;
            m2 += d * (v - mean);
        }

        double variance() {
            return n > 1 ? m2 / (n - 1) : 0.0;
        }

        double mean() {
            return mean;
        }
    }

    /** Not final, as most nested classes are: its calls are virtual as written. */
    static class Particle {
        double x;
        double v;

        Particle(double x, double v) {
            this.x = x;
            this.v = v;
        }

        void step(double dt, double k) {
            v -= k * x * dt;
            x += v * dt;
        }

        double energy(double k) {
            return 0.5 * v * v + 0.5 * k * x * x;
        }
    }

    /** A one-pole filter whose coefficients its constructor computes, its state written by each sample. */
    static final class Smoother {
        private final double a;
        private final double b;
        private double state;

        Smoother(double cutoff) {
            double w = Math.exp(-cutoff);
            a = 1 - w;
            b = w;
        }

        double process(double s) {
            state = a * s + b * state;
            return state;
        }
    }

    /** A growing buffer: an array field and a count. */
    static final class Buffer {
        private final double[] data;
        private int size;

        Buffer(int capacity) {
            data = new double[capacity];
        }

        void push(double v) {
            data[size++] = v;
        }

        double sumOfSquares() {
            double s = 0;
            for (int i = 0; i < size; i++) s += data[i] * data[i];
            return s;
        }
    }

    /** A builder: setters that return {@code this}, field initialisers for defaults. */
    static final class Option {
        private double spot = 100;
        private double vol = 0.2;
        private double strike = 100;

        Option spot(double s) {
            spot = s;
            return this;
        }

        Option vol(double v) {
            vol = v;
            return this;
        }

        double intrinsic() {
            return Math.max(spot - strike, 0) + vol * Math.sqrt(spot);
        }
    }

    static class Tally {
        double total;

        void add(double v) {
            total += v;
        }
    }

    /** A subclass whose override calls its superclass's, and whose constructor calls the superclass's. */
    static final class ScaledTally extends Tally {
        private final double k;

        ScaledTally(double k) {
            super();
            this.k = k;
        }

        @Override
        void add(double v) {
            super.add(k * v);
        }
    }

    /** A linked node: a list of them needs one object per element. */
    static final class Node {
        double value;
        Node next;
    }

    /** An inner class: its objects hold the Mutables that made them. */
    final class Weighted {
        double sum;

        void add(double v) {
            sum += scale * v * v;
        }
    }

    /** A stepper holding a particle: an object in another's field. */
    static final class Stepper {
        final Particle p;
        int steps;

        Stepper(Particle p) {
            this.p = p;
        }

        void advance(double k) {
            p.step(0.05, k);
            steps++;
        }
    }

    /** A final class its constructor sets in full (the shape of a value class), whose fields then change. */
    static final class State {
        double x;
        double v;

        State(double x, double v) {
            this.x = x;
            this.v = v;
        }
    }

    /** Setters returning {@code this}, not final: each call of a chain is exact once the one before is inlined. */
    static class Vec {
        double x;
        double y;

        Vec(double x, double y) {
            this.x = x;
            this.y = y;
        }

        Vec add(Vec o) {
            x += o.x;
            y += o.y;
            return this;
        }

        Vec scale(double s) {
            x *= s;
            y *= s;
            return this;
        }
    }

    /** A constructor calling a method of its object. */
    static final class Mass {
        double mass;
        double inverse;

        Mass(double m) {
            set(m);
        }

        void set(double m) {
            mass = m;
            inverse = 1 / m;
        }
    }

    /** An Effective Java builder: build() hands the builder to the product's private constructor. */
    static final class Quote {
        final double spot;
        final double vol;

        private Quote(Builder b) {
            spot = b.spot;
            vol = b.vol;
        }

        double value() {
            return spot * vol * vol + Math.log(spot);
        }

        static final class Builder {
            private double spot = 100;
            private double vol = 0.2;

            Builder spot(double s) {
                spot = s;
                return this;
            }

            Builder vol(double v) {
                vol = v;
                return this;
            }

            Quote build() {
                return new Quote(this);
            }
        }
    }

    /** An interface with a default method calling the object's own. */
    interface Scored {
        double score();

        default double scaled(double k) {
            return k * squashed() + 1;
        }

        /** A private interface method: javac calls it with invokeinterface. */
        private double squashed() {
            double s = score();
            return s / (1 + s);
        }
    }

    static class Counter implements Scored {
        double total;

        @Override
        public double score() {
            return total * total;
        }
    }

    public double defaultMethod(double[] x, double[] w) {
        Counter c = new Counter();
        for (double v : x) c.total += v * w[0];
        Scored s = c;
        return s.scaled(w[1]) + c.scaled(0.5);
    }

    public double finalClassMutated(double[] x, double[] w) {
        State s = new State(x[0], w[0]);
        for (int i = 0; i < x.length; i++) {
            s.v -= s.x * 0.1;
            s.x += s.v * 0.1 * w[i];
        }
        return s.x * s.v;
    }

    public double fluentChain(double[] x, double[] w) {
        Vec a = new Vec(x[0], x[1]);
        Vec b = new Vec(w[0], w[1]);
        a.add(b).scale(0.5).add(b);
        return a.x * a.y + b.x;
    }

    public double constructorCallsAMethod(double[] x, double[] w) {
        Mass m = new Mass(1 + x[0] * x[0]);
        return m.inverse * w[0] + m.mass;
    }

    public double builderPassesItself(double[] x, double[] w) {
        return new Quote.Builder().spot(100 + x[0]).vol(0.2 + w[0] * w[0]).build().value();
    }

    /** Made in either branch: the two places share a home, their objects never alive at once. */
    public double chosenByABranch(double[] x, double[] w) {
        Particle p;
        if (x[0] > 0) {
            p = new Particle(x[0], w[0]);
        } else {
            p = new Particle(-2 * x[0], 1);
            p.v += w[1];
        }
        p.step(0.1, 1 + w[0] * w[0]);
        return p.energy(2) + p.x;
    }

    public double chosenByAConditional(double[] x, double[] w) {
        Welford a = x[0] > 0 ? new Welford() : new Welford();
        a.add(x[1]);
        a.add(w[0] * x[0]);
        return a.variance();
    }

    public double welford(double[] x, double[] w) {
        Welford acc = new Welford();
        for (double v : x) acc.add(v);
        for (double v : w) acc.add(v * v);
        return acc.variance() + acc.mean();
    }

    public double particle(double[] x, double[] w) {
        Particle p = new Particle(x[0], w[0]);
        double k = 1 + x[1] * x[1];
        for (int i = 0; i < 40; i++) p.step(0.05, k);
        return p.energy(k) + p.x;
    }

    public double smoother(double[] x, double[] w) {
        Smoother f = new Smoother(Math.abs(w[0]) + 0.1);
        double e = 0;
        for (double s : x) {
            double y = f.process(s);
            e += y * y;
        }
        return e;
    }

    public double buffer(double[] x, double[] w) {
        Buffer b = new Buffer(x.length);
        for (int i = 0; i < x.length; i++) b.push(x[i] * w[i]);
        return b.sumOfSquares();
    }

    public double builder(double[] x, double[] w) {
        return new Option().spot(100 + x[0]).vol(0.2 + w[0] * w[0]).intrinsic();
    }

    public double subclass(double[] x, double[] w) {
        Tally t = new ScaledTally(w[0]);
        for (double v : x) t.add(v);
        return t.total * x[0];
    }

    /** A new accumulator in each iteration: the one before is no longer used. */
    public double freshInEachIteration(double[] x, double[] w) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            Welford acc = new Welford();
            acc.add(x[i]);
            acc.add(w[i]);
            acc.add(x[i] * w[i]);
            s += acc.variance();
        }
        return s;
    }

    public double innerClass(double[] x, double[] w) {
        Weighted acc = new Weighted();
        for (int i = 0; i < x.length; i++) acc.add(x[i] - w[i]);
        return acc.sum;
    }

    public double anonymous(double[] x, double[] w) {
        var acc = new Object() {
            double s;
            double max = Double.NEGATIVE_INFINITY;

            void add(double v) {
                s += v;
                if (v > max) max = v;
            }
        };
        for (int i = 0; i < x.length; i++) acc.add(x[i] * w[i]);
        return acc.s + acc.max;
    }

    /** Read and written as fields, without methods: followed even where nothing is inlined. */
    public double fieldsOnly(double[] x, double[] w) {
        Particle p = new Particle(0, 0);
        p.x = x[0];
        p.v = w[0] * x[1];
        p.x += p.v;
        return p.x * p.v;
    }

    public double heldByAnother(double[] x, double[] w) {
        Stepper s = new Stepper(new Particle(x[0], x[1]));
        for (int i = 0; i < 20; i++) s.advance(1 + w[0] * w[0]);
        return s.p.x * s.steps;
    }

    /** Two names for one object: both see its writes. */
    public double aliased(double[] x, double[] w) {
        Welford a = new Welford();
        Welford b = a;
        a.add(x[0]);
        b.add(w[0]);
        a.add(x[1]);
        return b.mean() * a.variance();
    }

    // ---- arrays of objects made here ----

    /** A body of an n-body simulation: not final, its methods virtual as written. */
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

        void pull(Body other, double dt) {
            double dx = other.x - x;
            double dy = other.y - y;
            double r2 = dx * dx + dy * dy + 0.5;
            double f = dt / (r2 * Math.sqrt(r2));
            vx += dx * f * other.mass;
            vy += dy * f * other.mass;
            other.vx -= dx * f * mass;
            other.vy -= dy * f * mass;
        }

        void move(double dt) {
            x += vx * dt;
            y += vy * dt;
        }

        double kinetic() {
            return 0.5 * mass * (vx * vx + vy * vy);
        }
    }

    public double particles(double[] x, double[] w) {
        Particle[] ps = new Particle[x.length];
        for (int i = 0; i < ps.length; i++) ps[i] = new Particle(x[i], w[i]);
        for (int t = 0; t < 20; t++) {
            for (Particle p : ps) p.step(0.05, 1.5);
        }
        double e = 0;
        for (Particle p : ps) e += p.energy(1.5);
        return e;
    }

    public double nBody(double[] x, double[] w) {
        int n = x.length;
        Body[] bodies = new Body[n];
        for (int i = 0; i < n; i++) bodies[i] = new Body(x[i], w[i] * i, 1 + w[i]);
        for (int t = 0; t < 10; t++) {
            for (int i = 0; i < n; i++) {
                Body a = bodies[i];
                for (int j = i + 1; j < n; j++) a.pull(bodies[j], 0.01);
            }
            for (Body b : bodies) b.move(0.01);
        }
        double e = 0;
        for (int i = 0; i < n; i++) e += bodies[i].kinetic() + bodies[i].x * bodies[i].y;
        return e;
    }

    /** Every ordered pair of bodies, a body skipping itself by identity; elements of two arrays compared. */
    public double pairsByIdentity(double[] x, double[] w) {
        Body[] bodies = new Body[x.length];
        Body[] ghosts = new Body[1];
        for (int i = 0; i < x.length; i++) bodies[i] = new Body(x[i], w[i], 1 + w[i] * w[i]);
        ghosts[0] = new Body(w[0], x[0], 2);
        for (int t = 0; t < 5; t++) {
            for (Body a : bodies) {
                for (Body b : bodies) {
                    if (a != b) a.pull(b, 0.01);
                }
                if (a == ghosts[0]) return Double.NaN;
            }
        }
        return bodies[0].vx * bodies[x.length - 1].vy + bodies[1].x;
    }

    /** Elements never set are nulls: two of them are the same (probe Q's bug: they were compared by index). */
    public double unsetElementsCompared(double[] x, double[] w) {
        Particle[] ps = new Particle[3];
        Particle[] qs = new Particle[2];
        ps[0] = new Particle(x[0], w[0]);
        qs[0] = new Particle(x[1], w[1]);
        double s = w[1];
        if (ps[1] == ps[2]) s += 10 * x[0];
        if (ps[0] != ps[1]) s += x[1];
        if (ps[0] == ps[0]) s *= 3;
        if (ps[1] == qs[1]) s *= 2;
        if (ps[0] != qs[1]) s += w[0];
        if (ps[0] == qs[0]) s = -s;
        if (ps[2] != qs[1]) s = 0;
        return s;
    }

    /** An element chosen in a loop, held across iterations. */
    public double largestElement(double[] x, double[] w) {
        Particle[] ps = new Particle[x.length];
        for (int i = 0; i < x.length; i++) ps[i] = new Particle(x[i] * w[i], w[i]);
        Particle best = ps[0];
        for (int i = 1; i < ps.length; i++) {
            if (ps[i].x > best.x) best = ps[i];
        }
        best.step(0.1, 2);
        return best.x * best.v + ps[0].x;
    }

    /** An array initializer, elements reached through a computed index. */
    public double initializer(double[] x, double[] w) {
        Welford[] halves = {new Welford(), new Welford()};
        for (int i = 0; i < x.length; i++) halves[i % 2].add(x[i] * w[i]);
        return halves[0].mean() * halves[1].mean() + halves[0].variance();
    }

    /** An object set up, then stored; elements tested for null, an element never set stays null. */
    public double storedAfterSetUp(double[] x, double[] w) {
        Particle[] ps = new Particle[x.length + 1];
        for (int i = 0; i < x.length; i++) {
            Particle p = new Particle(x[i], 0);
            p.v = w[i] * p.x;
            ps[i] = p;
        }
        double s = 0;
        for (Particle p : ps) {
            if (p != null) s += p.x * p.v;
        }
        return ps[x.length] == null ? s : -s;
    }

    /** Reading a field of an element never set throws, as it did (six inputs, only beside the original). */
    public double unsetElementRead(double[] x, double[] w) {
        Particle[] ps = new Particle[2];
        ps[0] = new Particle(x[0], w[0]);
        return ps[x.length == 6 ? 1 : 0].x * w[1];
    }

    /**
     * Calling a method on an element never set throws, as it did (six inputs, only beside the
     * original): the inlined call's receiver check, without a branch out of the loop.
     */
    public double unsetElementCalled(double[] x, double[] w) {
        Particle[] ps = new Particle[3];
        ps[0] = new Particle(x[0], w[0]);
        ps[1] = new Particle(x[1], w[1]);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            Particle p = ps[x.length == 6 && i == 4 ? 2 : i % 2];
            p.step(0.1, 2);
            s += p.x * w[i];
        }
        return s;
    }

    /** An array held in a field of an object made here. */
    static final class Cloud {
        final Particle[] members;
        double time;

        Cloud(int n) {
            members = new Particle[n];
        }

        void step(double dt) {
            for (Particle p : members) p.step(dt, 2);
            time += dt;
        }
    }

    public double arrayInAnObject(double[] x, double[] w) {
        Cloud c = new Cloud(x.length);
        for (int i = 0; i < x.length; i++) c.members[i] = new Particle(x[i], w[i]);
        for (int t = 0; t < 5; t++) c.step(0.1);
        return c.members[0].x * c.time + c.members[c.members.length - 1].v;
    }

    record Vec2(double x, double y) {
        Vec2 plus(Vec2 o) {
            return new Vec2(x + o.x, y + o.y);
        }

        Vec2 times(double s) {
            return new Vec2(x * s, y * s);
        }
    }

    /** A particle whose position and velocity are records, replaced as it moves. */
    static class Mote {
        Vec2 position;
        Vec2 velocity = new Vec2(0, 0);

        Mote(Vec2 position) {
            this.position = position;
        }

        void fall(double dt, double drag) {
            velocity = velocity.plus(new Vec2(-drag * velocity.x(), -1 - drag * velocity.y()).times(dt));
            position = position.plus(velocity.times(dt));
        }
    }

    public double motesOfRecords(double[] x, double[] w) {
        Mote[] motes = new Mote[x.length];
        for (int i = 0; i < motes.length; i++) motes[i] = new Mote(new Vec2(x[i], w[i]));
        for (int t = 0; t < 10; t++) {
            for (Mote m : motes) m.fall(0.05, 0.1 + w[0] * w[0]);
        }
        double s = 0;
        for (Mote m : motes) s += m.position.x() * m.position.y() + m.velocity.y();
        return s;
    }

    /** A unit of a layer: its weights an array, its output written by each pass. */
    static class Unit {
        final double[] weights;
        double bias;
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

    public double unitsWithWeights(double[] x, double[] w) {
        Unit[] layer = new Unit[2];
        for (int k = 0; k < layer.length; k++) {
            double[] ws = new double[x.length];
            for (int j = 0; j < ws.length; j++) ws[j] = w[j] * (k + 1) - 0.5 * j;
            layer[k] = new Unit(ws, 0.1 * k);
        }
        for (Unit u : layer) u.fire(x);
        layer[0].weights[0] += layer[1].out;
        layer[0].fire(x);
        return layer[0].out * layer[1].out + layer[0].weights[0];
    }

    /** Its step twice as long: a subclass stored into an array of particles after an element was read. */
    static class Hasty extends Particle {
        Hasty(double x, double v) {
            super(x, v);
        }

        @Override
        void step(double dt, double k) {
            super.step(2 * dt, k);
        }
    }

    private static Particle replacedBySubclass(double x, double v) {
        Particle[] ps = new Particle[1];
        ps[0] = new Particle(x, v);
        Particle first = ps[0];
        ps[0] = new Hasty(x, v);
        return first.x > 1e300 ? first : ps[0];
    }

    /** Not compared by the tests of every public method: {@code MutableObjectsTest} asks whether its call stays virtual. */
    double afterAReadASubclassIsStored(double[] x, double[] w) {
        Particle q = replacedBySubclass(x[0], w[0]);
        q.step(0.1, 1);
        return q.x;
    }

    /** A boid steering toward its flock's mean velocity: a method of the element given the array it is in. */
    static class Boid {
        double x;
        double v;

        Boid(double x) {
            this.x = x;
        }

        void align(Boid[] flock, double k) {
            double mean = 0;
            for (Boid b : flock) mean += b.v + 0.1 * b.x;
            mean /= flock.length;
            v += k * (mean - v) - 0.05 * x;
        }

        void move(double dt) {
            x += v * dt;
        }

        /** Puts a boid of a subclass in its place: calls on the flock's elements must dispatch. */
        void replaceIn(Boid[] flock, int i) {
            flock[i] = new Boid(x) {
                @Override
                void move(double dt) {
                    x -= v * dt;
                }
            };
        }
    }

    public double flock(double[] x, double[] w) {
        Boid[] boids = new Boid[x.length];
        for (int i = 0; i < boids.length; i++) boids[i] = new Boid(x[i]);
        for (int t = 0; t < 6; t++) {
            for (Boid b : boids) b.align(boids, 0.3 + w[0] * w[0]);
            for (Boid b : boids) b.move(0.1);
        }
        return boids[0].x * boids[boids.length - 1].v + boids[1].x;
    }

    // ---- lists of objects made here ----

    public double listOfAccumulators(double[] x, double[] w) {
        List<Welford> groups = new ArrayList<>();
        for (int k = 0; k < 3; k++) groups.add(new Welford());
        for (int i = 0; i < x.length; i++) groups.get(i % groups.size()).add(x[i] * w[i]);
        double s = 0;
        for (Welford g : groups) s += g.mean() * g.variance();
        return groups.isEmpty() ? -1 : s + groups.get(0).mean();
    }

    /** More elements than the default capacity: the arrays grow. */
    public double growingList(double[] x, double[] w) {
        java.util.ArrayList<State> states = new java.util.ArrayList<>(2);
        for (int t = 0; t < 25; t++) states.add(new State(x[t % x.length] + t * 0.01, w[0]));
        for (State q : states) q.v -= q.x * 0.1;
        double s = 0;
        for (int i = 0; i < states.size(); i++) s += states.get(i).v * states.get(i).x;
        return s;
    }

    /** Particles (not final: their calls made exact) in a list declared as the interface, stepped in a for-each loop. */
    public double particleList(double[] x, double[] w) {
        List<Particle> ps = new ArrayList<>();
        for (int i = 0; i < x.length; i++) ps.add(new Particle(x[i], w[i]));
        for (int t = 0; t < 15; t++) {
            for (Particle p : ps) p.step(0.05, 1.5);
        }
        Particle first = ps.get(0);
        double e = first.x;
        for (Particle p : ps) {
            if (p != first) e += p.energy(1.5);
        }
        ps.set(0, new Particle(e, 0));
        return e * ps.get(0).x + ps.size();
    }

    /** Inner-class elements, each holding this Mutables (this$0), in a list that grows. */
    public double listOfInnerObjects(double[] x, double[] w) {
        List<Weighted> ws = new ArrayList<>();
        for (int k = 0; k < 12; k++) ws.add(new Weighted());
        for (int i = 0; i < x.length; i++) ws.get((3 * i) % ws.size()).add(x[i] - w[i]);
        double s = 0;
        for (Weighted a : ws) s += a.sum;
        return s * ws.get(0).sum;
    }

    /** A list in a field of an object made here (its initializer), filled in a loop, its elements' methods virtual. */
    static class Swarm {
        final List<Particle> members = new ArrayList<>();
    }

    public double listInAField(double[] x, double[] w) {
        Swarm s = new Swarm();
        for (int i = 0; i < x.length; i++) s.members.add(new Particle(x[i], w[i]));
        for (Particle p : s.members) p.step(0.1, 2);
        return s.members.get(0).x * s.members.get(s.members.size() - 1).v;
    }

    // ---- kept as objects, each for a reason ----

    public double listIteratedWhileAdded(double[] x, double[] w) {
        List<Welford> ws = new ArrayList<>();
        ws.add(new Welford());
        java.util.Iterator<Welford> it = ws.iterator();
        ws.add(new Welford());
        it.next().add(x[0]);
        return ws.get(0).mean() + w[0];
    }

    public double flockWithASubclassPutIn(double[] x, double[] w) {
        Boid[] boids = new Boid[x.length];
        for (int i = 0; i < boids.length; i++) boids[i] = new Boid(x[i]);
        boids[0].replaceIn(boids, 1);
        for (Boid b : boids) b.move(0.1 + w[0]);
        return boids[1].x + boids[0].x;
    }

    public double elementReplacedWhileUsed(double[] x, double[] w) {
        Particle[] ps = new Particle[2];
        ps[0] = new Particle(x[0], w[0]);
        Particle old = ps[0];
        ps[0] = new Particle(x[1], w[1]);
        return old.x + ps[0].x;
    }

    public double usedAfterStored(double[] x, double[] w) {
        Particle[] ps = new Particle[2];
        Particle p = new Particle(x[0], w[0]);
        ps[0] = p;
        p.x += x[1];
        return ps[0].x;
    }

    public double arrayGivenToTheJdk(double[] x, double[] w) {
        Particle[] ps = new Particle[2];
        ps[0] = new Particle(x[0], w[0]);
        ps[1] = new Particle(x[1], w[1]);
        return java.util.Arrays.asList(ps).size() + ps[1].x;
    }

    /** A list: each node made at one place must outlive the next. */
    public double linkedList(double[] x, double[] w) {
        Node head = null;
        for (double v : x) {
            Node n = new Node();
            n.value = v;
            n.next = head;
            head = n;
        }
        double s = 0;
        for (Node n = head; n != null; n = n.next) s += n.value * w[0];
        return s;
    }

    public double chosenBetweenTwo(double[] x, double[] w) {
        Welford a = new Welford();
        Welford b = new Welford();
        Welford c = x[0] > 0 ? a : b;
        c.add(x[1]);
        a.add(w[0]);
        return a.mean() + b.mean();
    }

    public double givenToTheJdk(double[] x, double[] w) {
        List<Welford> all = new ArrayList<>();
        Welford a = new Welford();
        all.add(a);
        a.add(x[0] * w[0]);
        return all.size() + a.mean();
    }

    public double madeAgainWhileUsed(double[] x, double[] w) {
        Welford previous = new Welford();
        double s = 0;
        for (double v : x) {
            Welford current = new Welford();
            current.add(v);
            current.add(previous.mean());
            s += current.variance();
            previous = current;
        }
        return s + w[0];
    }
}
