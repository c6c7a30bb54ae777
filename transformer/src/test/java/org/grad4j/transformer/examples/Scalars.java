package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/** Plain Java methods the way users write them: the transformer's scalar test subjects. */
public final class Scalars {
    private Scalars() {}

    @Differentiable
    public static double square(double x) {
        return x * x;
    }

    @Differentiable
    public static double straightLine(double x, double y) {
        double a = x * y + Math.sin(x);
        double b = a / (1 + y * y) - x;
        return Math.exp(-b) * a;
    }

    /** The worked example of DESIGN §4. */
    @Differentiable
    public static double poly(double x, int n) {
        double s = 0, p = 1;
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) s += p * Math.sin(x); else s -= p;
            p = p * x;
        }
        return s;
    }

    @Differentiable
    public static double slotReuse(double x) {
        double s = x;
        s = s * x;
        s = s * x;
        return s;
    }

    @Differentiable
    public static double branches(double x, double y) {
        double r;
        if (x > y) r = x * x; else if (x < -y) r = Math.cos(y) * x; else r = x + y;
        return r > 1 ? r * y : -r;
    }

    @Differentiable
    public static double ternary(double x, double y) {
        double m = x > y ? x * 2 : y * 3;
        return m * (x < 0 ? -x : x) + (y > 0 ? Math.log(y) : 0);
    }

    @Differentiable
    public static double nestedLoops(double x, int n, int m) {
        double acc = 0;
        for (int i = 0; i < n; i++) {
            double row = 0;
            for (int j = 0; j < m; j++) {
                if (j == 3) continue;
                row += Math.sin(x * (i + 1) + j);
                if (row > 2.5) break;
            }
            acc += row * row;
        }
        return acc;
    }

    @Differentiable
    public static double whileAndDo(double x) {
        double y = x;
        int k = 0;
        while (k < 5) {
            y = y * 0.9 + Math.sqrt(Math.abs(y) + 1);
            k++;
        }
        do {
            y = y - 0.1 * y;
        } while (++k < 9);
        return y;
    }

    @Differentiable
    public static double earlyReturn(double x, int n) {
        double s = x;
        for (int i = 0; i < n; i++) {
            s = s * 1.1 + Math.tanh(x);
            if (s > 50) return s * x;
        }
        return s - x;
    }

    @Differentiable
    public static double switches(double x, int mode) {
        switch (mode) {
            case 0: return x * x;
            case 1: return Math.sin(x);
            case 7: x = x * 3; // fall through
            case 8: return x + 1;
            default: return -x;
        }
    }

    @Differentiable
    public static double inactiveLoop(double x, int n) {
        int count = 0;
        for (int i = 0; i < n; i++) if (i % 3 == 0) count++;
        double y = x * count;
        for (int i = 0; i < n; i++) count += i;
        return y * x + count;
    }

    @Differentiable
    public static double floats(float x, double y) {
        float a = x * x + 1.5f;
        double b = a * y;
        return (float) b * x;
    }

    @Differentiable
    public static float floatResult(float x) {
        return x * x * x - 2 * x;
    }

    /**
     * Operands that meet twice and adjoints that are subtracted: a square and a doubling of one
     * value (one contribution of twice the adjoint), a subtrahend, a negation and a divisor whose
     * adjoints already hold earlier contributions, and an element subtracted in place.
     */
    @Differentiable
    public static double sharedOperands(double x, double y, float f) {
        double sq = x * x;
        double twice = y + y;
        double t = sq * y - x;
        double u = twice - t * x;
        double v = -y + u / x - (-sq);
        float g = f * f - f;
        double[] acc = {x, y};
        acc[1] -= v * x;
        acc[0] -= g / y;
        return acc[0] * acc[1] + v + g * x;
    }

    @Differentiable
    public static double arrays(double[] x, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += x[i] * x[(i + 1) % n];
        return s;
    }

    @Differentiable
    public static double longAndInt(double x, long l, int i) {
        return x * l + i * x * x;
    }

    @Differentiable
    public static double recursivePower(double x, int n) {
        if (n == 0) return 1;
        return x * recursivePower(x, n - 1);
    }

    @Differentiable
    public static double even(double x, int n) {
        return n == 0 ? x : odd(x * 1.5, n - 1) + x;
    }

    @Differentiable
    public static double odd(double x, int n) {
        return n == 0 ? Math.sin(x) : even(x - 0.5, n - 1) * x;
    }

    @Differentiable
    public static double callsHelper(double a, double b) {
        double y = square(a + b);
        return y * a + square(b) * y;
    }

    @Differentiable
    public static double printsAndConcats(double x) {
        String s = "x=" + x;
        if (s.isEmpty()) throw new IllegalArgumentException("bad " + x);
        return x * s.length();
    }

    @Differentiable
    public static double boxing(double x) {
        Double boxed = x;
        Number n = boxed;
        return boxed * n.doubleValue();
    }

    @Differentiable
    public static double longLoop(double x, int n) {
        double y = x;
        for (int i = 0; i < n; i++) y = y + 1e-6 * (-0.5 * y + Math.sin(y));
        return y;
    }
}
