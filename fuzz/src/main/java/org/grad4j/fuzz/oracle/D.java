package org.grad4j.fuzz.oracle;

import java.util.Arrays;

/**
 * A forward-mode dual number over {@code double}: the value, its derivative along one input
 * direction, and {@link #m} — the same derivative computed with every partial derivative and
 * tangent replaced by its absolute value. {@code m} bounds how much the order of summation can
 * change the derivative in floating point, so the comparison tolerance is {@code rel · m}: tight
 * where the derivative is well conditioned, honest where it is the difference of large terms.
 *
 * <p>Every operation computes the value with exactly the same {@code double} operations as the
 * plain program (same order, same rounding), so the dual program takes the same branches as the
 * program grad4j differentiates. Immutable: arrays of {@code D} may share elements.
 *
 * <p>Independent of grad4j by construction: it uses nothing but {@code java.lang.Math}.
 */
public final class D {
    public static final D ZERO = new D(0, 0, 0);

    public final double v;
    public final double d;
    public final double m;

    private D(double v, double d, double m) {
        this.v = v;
        this.d = d;
        this.m = m;
    }

    /** A result, checked: a non-finite value or tangent makes the sample degenerate. */
    static D of(double v, double d, double m) {
        if (!Double.isFinite(v) || !Double.isFinite(d) || !Double.isFinite(m) || Math.abs(v) > 1e150 || m > 1e200) {
            throw new Degenerate("non-finite or huge value (" + v + ", tangent " + d + ")");
        }
        LargestFactor.saw(v);
        return new D(v, d, m);
    }

    /** A constant. */
    public static D c(double v) {
        if (!Double.isFinite(v)) throw new Degenerate("non-finite constant " + v);
        return new D(v, 0, 0);
    }

    /** An input: tangent 1 when it is the direction being differentiated. */
    public static D input(double v, boolean seeded) {
        return new D(v, seeded ? 1 : 0, seeded ? 1 : 0);
    }

    /** A float widened to double: same value, same tangent. */
    public static D of(F f) {
        return new D(f.v, f.d, f.m);
    }

    /**
     * {@code DoubleStream.sum()} of the terms: the value by the JDK's compensated summation, step
     * for step (so it is the plain program's to the bit), the tangent the sum of the terms' (each
     * term's derivative counts once, as in any sum).
     */
    public static D streamSum(java.util.List<D> terms) {
        double high = 0, low = 0, simple = 0, d = 0, m = 0;
        for (D t : terms) {
            double tmp = t.v - low, sum = high + tmp;
            low = (sum - high) - tmp;
            high = sum;
            simple += t.v;
            d += t.d;
            m += t.m;
        }
        double total = COMPENSATION_SUBTRACTED ? high - low : high + low;
        return of(Double.isNaN(total) && Double.isInfinite(simple) ? simple : total, d, m);
    }

    /** {@code DoubleStream.average()} of the terms, or {@code empty} when there are none. */
    public static D streamAverage(java.util.List<D> terms, D empty) {
        return terms.isEmpty() ? empty : div(streamSum(terms), c(terms.size()));
    }

    /** Whether this JDK's final stream sum subtracts the compensation (JDK-8214761, fixed in 17u and 18). */
    private static final boolean COMPENSATION_SUBTRACTED;

    static {
        double[] values = {263.0 / 7, 28.0 / 3, 828.0 / 11}; // the two final sums differ by an ulp
        double high = 0, low = 0;
        for (double v : values) {
            double tmp = v - low, sum = high + tmp;
            low = (sum - high) - tmp;
            high = sum;
        }
        COMPENSATION_SUBTRACTED = java.util.stream.DoubleStream.of(values).sum() == high - low;
    }

    public static D add(D a, D b) {
        return of(a.v + b.v, a.d + b.d, a.m + b.m);
    }

    public static D sub(D a, D b) {
        return of(a.v - b.v, a.d - b.d, a.m + b.m);
    }

    public static D mul(D a, D b) {
        return of(a.v * b.v, a.d * b.v + a.v * b.d, a.m * Math.abs(b.v) + Math.abs(a.v) * b.m);
    }

    public static D div(D a, D b) {
        if (b.v == 0) throw new Degenerate("division by zero");
        double q = a.v / b.v;
        LargestFactor.saw(Math.max(1, Math.abs(q)) / b.v);
        return of(q, (a.d - q * b.d) / b.v, (a.m + Math.abs(q) * b.m) / Math.abs(b.v));
    }

    public static D neg(D a) {
        return new D(-a.v, -a.d, a.m);
    }

    /** {@code f(a)} with derivative {@code df} at {@code a}. */
    private static D chain(D a, double y, double df) {
        LargestFactor.saw(df);
        return of(y, df * a.d, Math.abs(df) * a.m);
    }

    public static D sin(D a) { return chain(a, Math.sin(a.v), Math.cos(a.v)); }
    public static D cos(D a) { return chain(a, Math.cos(a.v), -Math.sin(a.v)); }
    public static D tan(D a) { double y = Math.tan(a.v); return chain(a, y, 1 + y * y); }
    public static D atan(D a) { return chain(a, Math.atan(a.v), 1 / (1 + a.v * a.v)); }
    public static D exp(D a) { double y = Math.exp(a.v); return chain(a, y, y); }
    public static D expm1(D a) { double y = Math.expm1(a.v); return chain(a, y, y + 1); }
    public static D sinh(D a) { return chain(a, Math.sinh(a.v), Math.cosh(a.v)); }
    public static D cosh(D a) { return chain(a, Math.cosh(a.v), Math.sinh(a.v)); }
    public static D tanh(D a) { double y = Math.tanh(a.v); return chain(a, y, 1 - y * y); }

    public static D log(D a) {
        if (!(a.v > 0)) throw new Degenerate("log of " + a.v);
        return chain(a, Math.log(a.v), 1 / a.v);
    }

    public static D log1p(D a) {
        if (!(a.v > -1)) throw new Degenerate("log1p of " + a.v);
        return chain(a, Math.log1p(a.v), 1 / (1 + a.v));
    }

    public static D sqrt(D a) {
        if (!(a.v > 0)) throw new Degenerate("sqrt of " + a.v);
        double y = Math.sqrt(a.v);
        return chain(a, y, 0.5 / y);
    }

    public static D cbrt(D a) {
        if (a.v == 0) throw new Degenerate("cbrt at 0");
        double y = Math.cbrt(a.v);
        return chain(a, y, 1 / (3 * y * y));
    }

    public static D asin(D a) {
        if (!(Math.abs(a.v) < 1)) throw new Degenerate("asin of " + a.v);
        return chain(a, Math.asin(a.v), 1 / Math.sqrt((1 - a.v) * (1 + a.v)));
    }

    public static D acos(D a) {
        if (!(Math.abs(a.v) < 1)) throw new Degenerate("acos of " + a.v);
        return chain(a, Math.acos(a.v), -1 / Math.sqrt((1 - a.v) * (1 + a.v)));
    }

    public static D pow(D a, D b) {
        double y = Math.pow(a.v, b.v);
        if (b.d == 0 && b.m == 0) { // constant exponent: any base where the power is defined
            if (a.v == 0) throw new Degenerate("pow at base 0");
            return chain(a, y, b.v * Math.pow(a.v, b.v - 1));
        }
        if (!(a.v > 0)) throw new Degenerate("pow with base " + a.v + " and a differentiated exponent");
        double da = b.v * Math.pow(a.v, b.v - 1);
        double db = y * Math.log(a.v);
        return of(y, da * a.d + db * b.d, Math.abs(da) * a.m + Math.abs(db) * b.m);
    }

    public static D hypot(D a, D b) {
        double h = Math.hypot(a.v, b.v);
        if (h == 0) throw new Degenerate("hypot at 0");
        return of(h, (a.v * a.d + b.v * b.d) / h, (Math.abs(a.v) * a.m + Math.abs(b.v) * b.m) / h);
    }

    public static D atan2(D y, D x) {
        double r2 = x.v * x.v + y.v * y.v;
        if (r2 == 0) throw new Degenerate("atan2 at 0");
        double dy = x.v / r2, dx = -y.v / r2;
        return of(Math.atan2(y.v, x.v), dy * y.d + dx * x.d, Math.abs(dy) * y.m + Math.abs(dx) * x.m);
    }

    public static D abs(D a) {
        if (a.v == 0 && a.m != 0) throw new Degenerate("abs at 0");
        if (a.v == 0) return new D(Math.abs(a.v), a.d, a.m); // abs(-0.0) is +0.0, as Math.abs says
        return a.v > 0 ? a : neg(a);
    }

    public static D max(D a, D b) {
        if (a.v == b.v && (a.d != b.d || a.m != b.m)) throw new Degenerate("max of a tie");
        if (a.v == b.v) return new D(Math.max(a.v, b.v), a.d, a.m); // a tie of equal tangents; Math.max orders -0.0 and +0.0
        return a.v > b.v ? a : b;
    }

    public static D min(D a, D b) {
        if (a.v == b.v && (a.d != b.d || a.m != b.m)) throw new Degenerate("min of a tie");
        if (a.v == b.v) return new D(Math.min(a.v, b.v), a.d, a.m); // a tie of equal tangents; Math.min orders -0.0 and +0.0
        return a.v < b.v ? a : b;
    }

    /** {@code Math.floor}, {@code Math.rint} and the like: piecewise constant. */
    public static D flat(double y) {
        return c(y);
    }

    // ---- arrays of duals: the shapes the plain program allocates, filled with zeros ----

    public static D[] zeros(int n) {
        D[] a = new D[n];
        Arrays.fill(a, ZERO);
        return a;
    }

    public static D[][] zeros(int rows, int cols) {
        D[][] a = new D[rows][];
        for (int i = 0; i < rows; i++) a[i] = zeros(cols);
        return a;
    }

    /** {@code Arrays.copyOf} that pads with zeros, as it does for a {@code double[]}. */
    public static D[] copyOf(D[] a, int n) {
        D[] r = Arrays.copyOf(a, n);
        for (int i = a.length; i < n; i++) r[i] = ZERO;
        return r;
    }

    /** {@code Arrays.copyOfRange}, padding with zeros past the end as it does for a {@code double[]}. */
    public static D[] copyOfRange(D[] a, int from, int to) {
        D[] r = java.util.Arrays.copyOfRange(a, from, to);
        for (int i = Math.max(0, a.length - from); i < r.length; i++) r[i] = ZERO;
        return r;
    }

    /** An input array: element {@code seeded} (or none, when -1) carries tangent 1. */
    public static D[] inputs(double[] values, int seeded) {
        D[] a = new D[values.length];
        for (int i = 0; i < values.length; i++) a[i] = input(values[i], i == seeded);
        return a;
    }

    @Override
    public String toString() {
        return v + "+" + d + "ε";
    }
}
