package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/**
 * Loops at the edge of the conditions in {@code split.Reductions}, found by a review of reductions:
 * some must not be reductions, all must differentiate right (see {@link ReductionEdgesTest}).
 */
public final class ReductionProbes {
    private ReductionProbes() {}

    /** The new value of s, copied to a temporary, feeds a later update of s in the same iteration: s grows multiplicatively. */
    @Differentiable
    public static double newValueReadLater(double[] x, double[] y) {
        double s = 1;
        for (int i = 0; i < x.length; i++) {
            s += x[i];
            double t = s;
            if (y[i] > -10) s += t * y[i];
        }
        return s;
    }

    /** An array copied to a slot inside the body and used after the loop: the slot's shadow leaves as the buffer. */
    @Differentiable
    public static double arrayCopyLeaves(double[] x) {
        double[] y = x;
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            y = x;
            s += x[i] * x[i];
        }
        return 3 * s + y[0];
    }

    /** A while loop with continue: two back edges. */
    @Differentiable
    public static double whileContinue(double[] x, double c) {
        double s = 0;
        int i = 0;
        while (i < x.length) {
            double a = x[i] * c;
            if (a > 0.5) {
                s += a * a;
                i++;
                continue;
            }
            s -= Math.sin(a) * c;
            i++;
        }
        return s * s + c;
    }

    /** Same array passed twice. */
    @Differentiable
    public static double twice(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i] + y[i] * y[i] * x[(i + 1) % x.length];
        return 2 * s;
    }

    /** Sum modified after the loop. */
    @Differentiable
    public static double modifiedAfter(double[] x, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += c * x[i] * x[i];
        s = s * s + c;
        s += x[0] * s;
        return s;
    }

    /** Sum overwritten after the loop: its adjoint is zero. */
    @Differentiable
    public static double overwrittenAfter(double[] x, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += c * x[i] * x[i];
        double r = s * 2;
        s = x[0] * c;
        return s + r;
    }

    /** Math rules with several arguments and invariant scalars. */
    @Differentiable
    public static double manyArgs(double[] x, double[] y, double p, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += Math.pow(Math.abs(x[i]) + 1, p) + Math.atan2(y[i], x[i] + 3) + Math.hypot(c, y[i]);
            s += Math.max(x[i], c) - Math.min(y[i], c * 0.5);
        }
        return s * p;
    }

    /** Floats and ints. */
    @Differentiable
    public static double conversions(double[] x, float f, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            float g = (float) x[i] * f;
            int k = (int) (x[i] * 10);
            s += g * g + k * c + (double) (float) (c * x[i]);
        }
        return s * c;
    }

    /** Tail recursion from an outermost call: several nest functions live at once, each with its buffers. */
    @Differentiable
    public static double rec(double[] x, int depth, double acc) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * x[i] * (depth + 1) + acc * x[i];
        if (depth == 0) return acc * s;
        return rec(x, depth - 1, acc + 0.1 * s);
    }

    /** Non-tail recursion: nothing after the call writes an array. */
    @Differentiable
    public static double recAdd(double[] x, int depth) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.sin(x[i] * (depth + 1));
        if (depth == 0) return s;
        return s * s + recAdd(x, depth - 1);
    }

    /** A masked body: three chains, the sum updated in two of them. */
    @Differentiable
    public static double masked(double[] x, double[] y, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double a = x[i] * c;
            double b;
            if (a > 0) {
                b = a * y[i];
                s += b;
            } else {
                b = y[i] - a;
            }
            if (b > 0.3) s -= b * c;
        }
        return s * c;
    }

    /** A temporary assigned in one branch only, used in the join (not live at header). */
    @Differentiable
    public static double tempInBranch(double[] x, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double t = c;
            if (x[i] > 0.5) t = x[i] * x[i];
            s += t * c;
        }
        return s;
    }

    /** A loop starting in block 0 (entry is a stub). */
    @Differentiable
    public static double fromStart(double[] x, int i, double s) {
        while (i < x.length) {
            s += x[i] * x[i] * s0();
            i++;
        }
        return s * s;
    }

    private static double s0() {
        return 1.5;
    }

    /** Slots reused by javac: a double temp and an int share a slot in the body, and the counter's slot is reused after. */
    @Differentiable
    public static double slotReuse(double[] x, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            {
                double t = x[i] * c;
                s += t * t;
            }
            {
                int k = i * 2;
                s += k * x[i];
            }
        }
        double r = s;
        for (int j = 0; j < 1; j++) r += 0;
        {
            double u = r * c;
            return u + s;
        }
    }

    /** An indexed read with an index from an int array, and the index repeated. */
    @Differentiable
    public static double gather(double[] x, int[] idx) {
        double s = 0;
        for (int i = 0; i < idx.length; i++) s += x[idx[i]] * x[idx[i]] * x[i % x.length];
        return s;
    }

    /** The sum initialised from an active value and its update an inactive constant in some iterations. */
    @Differentiable
    public static double inactiveUpdates(double[] x, double c) {
        double s = c * c;
        for (int i = 0; i < x.length; i++) {
            if (x[i] > 0.5) s += 1.0;
            else s += x[i] * c;
        }
        return s * s;
    }

    /** Sum never used after: adjoint 0; a sqrt at 0 gives an infinite partial per iteration. */
    @Differentiable
    public static double unusedSumWithInfinity(double[] x, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.sqrt(x[i]) * c;
        return c * x[0];
    }

    /** The sum's old value in an expression on the stack across a branch. */
    @Differentiable
    public static double ternary(double[] x, double[] y, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double t = x[i] * (y[i] > 0.5 ? c : y[i]);
            s += t;
        }
        return s * s;
    }

    /** A reduction feeding a second reduction over the same array. */
    @Differentiable
    public static double twoLoops(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i];
        double m = s / x.length;
        double v = 0;
        for (int i = 0; i < x.length; i++) v += (x[i] - m) * (x[i] - m);
        return v + s * s;
    }

    @Differentiable
    public static double powOnly(double[] x, double p) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.pow(Math.abs(x[i]) + 1, p);
        return s * p;
    }

    @Differentiable
    public static double atan2Only(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.atan2(y[i], x[i] + 3);
        return s * s;
    }

    @Differentiable
    public static double hypotOnly(double[] y, double c) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += Math.hypot(c, y[i]);
        return s * s;
    }

    @Differentiable
    public static double maxMinOnly(double[] x, double[] y, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += Math.max(x[i], c) - Math.min(y[i], c * 0.5);
        return s * c;
    }

    /** A hinge on the sum: its adjoint is 0 when the sum is negative; a sqrt at 0 inside. */
    @Differentiable
    public static double hingeOnSum(double[] x, double[] w) {
        double s = -10;
        for (int i = 0; i < x.length; i++) s += Math.sqrt(x[i] * x[i]) * w[i];
        return Math.max(0, s) + w[0] * x[0];
    }

    /** Same computation as conversions without float rounding noise in the comparison: compare variants. */
    @Differentiable
    public static double floats(double[] x, float f) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            float g = (float) x[i] * f;
            s += g * g;
        }
        return s * 3;
    }

    /** Many continue statements: one back edge each; the iteration's reverse is emitted once, at the header. */
    @Differentiable
    public static double manyContinues(double[] x, double c) {
        double s = 0;
        int i = 0;
        while (i < x.length) {
            if (x[i] > 0.00) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.08) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.16) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.24) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.32) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.40) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.48) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.56) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.64) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.72) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.80) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.88) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            s += x[i] * c;
            i++;
        }
        return s * s;
    }

    /** The loop from the start without a call. */
    @Differentiable
    public static double fromStart2(double[] x, int i, double s) {
        while (i < x.length) {
            s += x[i] * x[i] * 1.5;
            i++;
        }
        return s * s;
    }

    @Differentiable
    public static double continues2(double[] x, double c) {
        double s = 0;
        int i = 0;
        while (i < x.length) {
            if (x[i] > 0.00) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.08) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            s += x[i] * c;
            i++;
        }
        return s * s;
    }

    @Differentiable
    public static double continues4(double[] x, double c) {
        double s = 0;
        int i = 0;
        while (i < x.length) {
            if (x[i] > 0.00) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.08) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.16) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.24) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            s += x[i] * c;
            i++;
        }
        return s * s;
    }

    @Differentiable
    public static double continues6(double[] x, double c) {
        double s = 0;
        int i = 0;
        while (i < x.length) {
            if (x[i] > 0.00) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.08) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.16) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.24) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.32) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.40) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            s += x[i] * c;
            i++;
        }
        return s * s;
    }

    @Differentiable
    public static double continues8(double[] x, double c) {
        double s = 0;
        int i = 0;
        while (i < x.length) {
            if (x[i] > 0.00) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.08) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.16) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.24) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.32) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.40) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.48) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.56) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            s += x[i] * c;
            i++;
        }
        return s * s;
    }

    @Differentiable
    public static double continues10(double[] x, double c) {
        double s = 0;
        int i = 0;
        while (i < x.length) {
            if (x[i] > 0.00) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.08) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.16) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.24) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.32) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.40) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.48) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.56) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.64) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            if (x[i] > 0.72) {
                s += Math.sin(x[i] * c) * c;
                i++;
                continue;
            }
            s += x[i] * c;
            i++;
        }
        return s * s;
    }

    /** Gradient clipping as a custom rule: its adjoint is not linear in dy. */
    static double clip(double x) { return x; }

    @org.grad4j.AdjointOf("clip")
    static double clipAdjoint(double x, double y, double dy) { return Math.max(-1, Math.min(1, dy)); }

    @Differentiable
    public static double clipped(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += clip(x[i]) * 3;
        return 5 * s;
    }

    /** Tail recursion over chunks: every level is outermost; a buffer per level as long as the whole array would be quadratic. */
    @Differentiable
    public static double walk(double[] x, int i, double acc) {
        if (i >= x.length) return acc;
        double s = 0;
        for (int j = i; j < Math.min(i + 4, x.length); j++) s += x[j] * x[j];
        return walk(x, i + 4, acc + s);
    }
}
