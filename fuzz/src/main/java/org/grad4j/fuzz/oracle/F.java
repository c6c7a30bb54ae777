package org.grad4j.fuzz.oracle;

/**
 * A forward-mode dual number whose value is a {@code float}, computed with exactly the plain
 * program's float operations; the tangent is kept in {@code double} (as grad4j keeps adjoints).
 * {@link #m} as in {@link D}.
 */
public final class F {
    public final float v;
    public final double d;
    public final double m;

    private F(float v, double d, double m) {
        this.v = v;
        this.d = d;
        this.m = m;
    }

    static F of(float v, double d, double m) {
        if (!Float.isFinite(v) || !Double.isFinite(d) || !Double.isFinite(m) || Math.abs(v) > 1e30f || m > 1e200) {
            throw new Degenerate("non-finite or huge float value (" + v + ", tangent " + d + ")");
        }
        LargestFactor.saw(v);
        return new F(v, d, m);
    }

    public static F c(float v) {
        return new F(v, 0, 0);
    }

    public static F input(float v, boolean seeded) {
        return new F(v, seeded ? 1 : 0, seeded ? 1 : 0);
    }

    /** {@code (float) x}: rounds the value; the derivative passes through. */
    public static F narrow(D x) {
        return of((float) x.v, x.d, x.m);
    }

    public static F add(F a, F b) {
        return of(a.v + b.v, a.d + b.d, a.m + b.m);
    }

    public static F sub(F a, F b) {
        return of(a.v - b.v, a.d - b.d, a.m + b.m);
    }

    public static F mul(F a, F b) {
        return of(a.v * b.v, a.d * b.v + a.v * b.d, a.m * Math.abs(b.v) + Math.abs(a.v) * b.m);
    }

    public static F div(F a, F b) {
        if (b.v == 0) throw new Degenerate("float division by zero");
        float q = a.v / b.v;
        LargestFactor.saw(Math.max(1, Math.abs((double) q)) / b.v);
        return of(q, (a.d - (double) a.v / b.v * b.d) / b.v, (a.m + Math.abs((double) a.v / b.v) * b.m) / Math.abs(b.v));
    }

    public static F neg(F a) {
        return new F(-a.v, -a.d, a.m);
    }

    public static F abs(F a) {
        if (a.v == 0 && a.m != 0) throw new Degenerate("float abs at 0");
        if (a.v == 0) return new F(Math.abs(a.v), a.d, a.m); // abs(-0.0) is +0.0, as Math.abs says
        return a.v > 0 ? a : neg(a);
    }

    public static F max(F a, F b) {
        if (a.v == b.v && (a.d != b.d || a.m != b.m)) throw new Degenerate("float max of a tie");
        if (a.v == b.v) return new F(Math.max(a.v, b.v), a.d, a.m); // a tie of equal tangents; Math.max orders -0.0 and +0.0
        return a.v > b.v ? a : b;
    }

    public static F min(F a, F b) {
        if (a.v == b.v && (a.d != b.d || a.m != b.m)) throw new Degenerate("float min of a tie");
        if (a.v == b.v) return new F(Math.min(a.v, b.v), a.d, a.m); // a tie of equal tangents; Math.min orders -0.0 and +0.0
        return a.v < b.v ? a : b;
    }

    @Override
    public String toString() {
        return v + "f+" + d + "ε";
    }
}
