package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/** Recursive methods: those that run as taped recursions, and some that must not (see TapedRecursionTest). */
public final class Recursions {
    /** A binary tree of tanh units over the weights, as the benchmarks' tree model. */
    @Differentiable
    public static double tree(double[] w, double[] x, int i, int depth) {
        if (depth == 0) return Math.tanh(w[2 * i] * x[i % x.length] + w[2 * i + 1]);
        double left = tree(w, x, 2 * i + 1, depth - 1);
        double right = tree(w, x, 2 * i + 2, depth - 1);
        return Math.tanh(w[2 * i] * left + w[2 * i + 1] * right);
    }

    /** Power by squaring: one call or another by the parity of n, the call's value used twice. */
    @Differentiable
    public static double power(double x, int n) {
        if (n == 0) return 1;
        if (n % 2 == 0) {
            double h = power(x, n / 2);
            return h * h;
        }
        return x * power(x, n - 1);
    }

    /** One {@code return} (javac joins the ternary's arms before it): the record needs no number of the return taken. */
    @Differentiable
    public static double continuedFraction(double x, int n) {
        return n == 0 ? x : x + 1 / (1 + continuedFraction(Math.sin(x), n - 1));
    }

    /** Two differentiated numbers that change places from level to level: their adjoints come back in registers. */
    @Differentiable
    public static double swaps(double x, double y, int n) {
        if (n == 0) return x * y + Math.sin(x);
        return swaps(y, x * y + 0.1, n - 1) - 0.5 * x;
    }

    /** Divide and conquer over an array, the halves combined non-linearly. */
    @Differentiable
    public static double halves(double[] a, int lo, int hi) {
        if (hi - lo == 1) return a[lo] * a[lo];
        int mid = (lo + hi) >>> 1;
        double left = halves(a, lo, mid);
        return left + Math.exp(-halves(a, mid, hi)) * left;
    }

    /** Branches on values, several returns, a second call only on one path, its argument computed from the first's value. */
    @Differentiable
    public static double branchy(double x, int n) {
        if (n <= 0) return x > 0 ? Math.log1p(x * x) : Math.cos(x);
        double y = branchy(0.7 * x + 0.2, n - 1);
        if (y > x) return y * y - x;
        double z = branchy(x - y, n - 2);
        return Math.atan(z) + y * x;
    }

    private final double scale;

    public Recursions(double scale) {
        this.scale = scale;
    }

    /** An instance method reading a field of its receiver (data), called on the receiver. */
    @Differentiable
    public double scaled(double[] a, int i) {
        if (i == a.length - 1) return scale * a[i];
        return Math.sin(scaled(a, i + 1)) * a[i] + scale;
    }

    /** A linked list of data: the recursive call's object argument is a field of the parameter. */
    public static final class Link {
        final double v;
        final Link next;

        public Link(double v, Link next) {
            this.v = v;
            this.next = next;
        }

        public boolean isLast() {
            return next == null;
        }

        public Link next() {
            return next;
        }

        static int asked;

        /** A getter that counts: it writes memory, so a recursion calling it is not taped. */
        public double counted() {
            asked++;
            return v;
        }
    }

    /** Getters of a final class (they write nothing): a taped recursion all the same. */
    @Differentiable
    public static double throughGetters(Link link, double x) {
        if (link.isLast()) return Math.sin(x * link.v);
        return throughGetters(link.next(), x * link.v + Math.cos(x));
    }

    /** Getters of another class, run as they are (they write nothing): a taped recursion. */
    @Differentiable
    public static double alongAChain(Chain c, double x) {
        if (c.isLast()) return Math.sin(x * c.value());
        return alongAChain(c.next(), x * c.value() + Math.cos(x));
    }

    static Chain chain;

    /** {@link #alongAChain} over data: the chain read from a field, the number differentiated. */
    @Differentiable
    public static double alongTheChain(double x) {
        return alongAChain(chain, x);
    }

    /** A loop that carries no derivative (a scan for an index) beside the recursion: taped, the loop run as it is. */
    @Differentiable
    public static double scanning(double[] w, double[] data, double x, int n) {
        if (n == 0) return x * w[0];
        int k = 0;
        while (k < data.length - 1 && data[k] < n) k++;
        return Math.sin(scanning(w, data, x * w[1] + data[k], n - 1)) + w[0] * k;
    }

    static double[] scanned;

    /** {@link #scanning} over data read from a field. */
    @Differentiable
    public static double scanningData(double[] w, double x, int n) {
        return scanning(w, scanned, x, n);
    }

    /** Draws a random number (a state that would move twice if the forward pass ran again): continuation-passing. */
    @Differentiable
    public static double drawing(double x, int n) {
        return n == 0 ? x : Math.sin(drawing(x, n - 1)) * (1 + 0 * Math.random());
    }

    /** A getter that writes a field: continuation-passing. */
    @Differentiable
    public static double throughACountingGetter(Link link, double x) {
        if (link.isLast()) return Math.sin(x * link.counted());
        return throughACountingGetter(link.next(), x * link.counted() + Math.cos(x));
    }

    @Differentiable
    public static double alongLinks(Link link, double x) {
        if (link == null) return x;
        return alongLinks(link.next, x * link.v + 0.1);
    }

    /** The rows of a matrix one by one: the array argument is an element of another array. */
    @Differentiable
    public static double rows(double[][] m, double[] row, int i) {
        if (i + 1 >= m.length) return row[0] * row[1];
        return row[0] * row[1] + 0.5 * rows(m, m[i + 1], i + 1);
    }

    static final double[] FIXED = {0.5, -0.25};

    /** The array argument read from a static field. */
    @Differentiable
    public static double fromStatic(double[] w, double x, int n) {
        if (n == 0) return x * w[0];
        return fromStatic(FIXED, x * w[1] + 0.1, n - 1);
    }

    /** The array argument one of two, or null. */
    @Differentiable
    public static double eitherOrNull(double[] a, double[] b, double x, int n) {
        if (n == 0) return a == null ? x : x * a[0];
        return eitherOrNull(n % 3 == 1 ? null : n % 2 == 0 ? b : a, a, x * 0.9 + (b == null ? 0 : b[0]), n - 1);
    }

    /** Stores into an array it is given: its forward pass must not run twice, so it stays continuation-passing. */
    @Differentiable
    public static double writesArray(double[] a, double[] out, int i) {
        if (i == a.length) return 0;
        out[i] = a[i] * a[i];
        return out[i] + writesArray(a, out, i + 1) * 0.5;
    }

    static int calls;

    /** Counts its calls in a field: stays continuation-passing too. */
    @Differentiable
    public static double counted(double x, int n) {
        calls++;
        return n == 0 ? x : Math.sin(counted(x, n - 1)) * x;
    }

    /** A loop besides the recursion: stays continuation-passing. */
    @Differentiable
    public static double withLoop(double[] a, int n) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * a[i];
        return n == 0 ? s : withLoop(a, n - 1) * 0.5 + s;
    }

    /**
     * Calls another differentiated method besides itself, one that is not inlined (a recursion):
     * stays continuation-passing. (A small helper, inlined, would leave a taped recursion.)
     */
    @Differentiable
    public static double callsAnother(double x, int n) {
        return n == 0 ? power(x, 3) : Math.sin(callsAnother(x, n - 1)) + power(x, 2);
    }

    /** Calls a small helper, which is inlined: a taped recursion all the same. */
    @Differentiable
    public static double callsAHelper(double x, int n) {
        return n == 0 ? Scalars.square(x) : Math.sin(callsAHelper(x, n - 1)) + Scalars.square(x);
    }
}
