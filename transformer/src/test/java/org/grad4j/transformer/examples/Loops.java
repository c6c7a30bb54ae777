package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/** Loops of many shapes, the subjects of taped loops (innermost loops without calls run as real loops). */
public final class Loops {
    private Loops() {}

    @Differentiable
    public static double rosenbrock(double[] x) {
        double s = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            double a = x[i + 1] - x[i] * x[i];
            double b = 1 - x[i];
            s += 100 * a * a + b * b;
        }
        return s;
    }

    /** A triangle: the inner loop's bounds depend on the outer's counter, an index carried across both. */
    @Differentiable
    public static double triangle(double[] p, double[] x) {
        int d = x.length;
        double[] q = new double[d];
        int l = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                q[j] += p[l] * x[i];
                l++;
            }
        }
        double s = 0;
        for (int i = 0; i < d; i++) s += q[i] * q[i];
        return s;
    }

    /** Branches inside the body, a division, a library call, and a running maximum. */
    @Differentiable
    public static double branchy(double[] x, double c) {
        double s = 0, max = x[0];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (v > max) max = v;
            if (i % 3 == 0) s += Math.sin(v) / (1 + v * v);
            else if (v < 0) s -= c * v;
            else s += Math.exp(-v) * c;
        }
        return s + max;
    }

    /** A break out of the middle of the body, and a second exit. */
    @Differentiable
    public static double early(double[] x, double limit) {
        double s = 0;
        int i = 0;
        while (i < x.length) {
            s += x[i] * x[i];
            if (s > limit) break;
            i++;
        }
        return s * limit;
    }

    /** A loop carrying several scalars, one of them only through the exit. */
    @Differentiable
    public static double recurrence(double a, double b, int n) {
        double u = a, v = b, w = 0;
        for (int k = 0; k < n; k++) {
            double t = u * v - 0.1 * w;
            w = v;
            v = u;
            u = Math.tanh(t);
        }
        return u + 2 * v + 3 * w;
    }

    /** An array overwritten in place, element by element, reading its own old values. */
    @Differentiable
    public static double smooth(double[] x, int passes) {
        for (int p = 0; p < passes; p++) {
            for (int i = 1; i < x.length; i++) x[i] = 0.5 * (x[i] + x[i - 1] * x[i - 1]);
        }
        double s = 0;
        for (double v : x) s += v;
        return s;
    }

    /** Rows of a matrix: the row (and its shadow) changes from iteration to iteration. */
    @Differentiable
    public static double rows(double[][] m, double[] w) {
        double s = 0;
        for (int i = 0; i < m.length; i++) {
            double[] row = m[i];
            double t = 0;
            for (int j = 0; j < row.length; j++) t += row[j] * w[j];
            s += t * t;
        }
        return s;
    }

    /** Floats, a float array and conversions. */
    @Differentiable
    public static float floats(float[] x, float c) {
        float s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * x[i] * c - (float) Math.cos(x[i]);
        return s;
    }

    /** A loop that runs zero times on some inputs, a loop with a continue, and remainders. */
    @Differentiable
    public static double skipping(double[] x, int from) {
        double s = 1;
        for (int i = from; i < x.length; i++) {
            if (x[i] < -0.5) continue;
            s = s * 0.9 + x[i] % 0.7;
        }
        return s;
    }

    /**
     * A helper's nest reads {@code w} and {@code x}, then the caller overwrites both: the helper's
     * reverse runs after that, so it must use the values it read, not read the arrays again.
     */
    @Differentiable
    public static double twoReadingHelpers(double[] w, double[] x) {
        double a = LoopHelpers.weightedCubes(w, x);
        double b = LoopHelpers.weightedCubes(x, w);
        return a * b;
    }

    /** The helper runs again in the loop: its variant is not an outermost one. */
    @Differentiable
    public static double readingHelperInALoop(double[] w, double[] x) {
        double s = 0;
        for (int k = 0; k < 3; k++) s += Math.sin(LoopHelpers.weightedCubes(w, x) + k);
        return s;
    }

    @Differentiable
    public static double overwrittenAfterHelper(double[] w, double[] x) {
        double s = LoopHelpers.weightedCubes(w, x);
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * x[i] + 1;
            w[i] = -w[i];
        }
        return s + LoopHelpers.weightedCubes(w, x);
    }

    /**
     * The method's own nest reads {@code x}, which it writes after the nest. The nest decays its
     * sum, so it is a counted loop that saves for its reverse, not a reduction (see {@link Sums}).
     */
    @Differentiable
    public static double overwrittenAfterNest(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s = 0.5 * s + x[i] * x[i] * x[i];
        x[0] = Math.sin(s);
        for (int i = 0; i < x.length; i++) s += x[i] * x[(i + 1) % x.length];
        return s;
    }

    /**
     * Inputs read beside a scratch array the nest writes (the scratch values are saved, the
     * inputs read again), and an index array (read again too).
     */
    @Differentiable
    public static double scratch(double[] x, double[] y, int[] order) {
        double[] t = new double[x.length];
        double s = 0;
        for (int r = 0; r < 3; r++) {
            for (int i = 0; i < x.length; i++) {
                int j = order[i];
                t[i] = t[i] * y[j] + x[i] / (1 + y[i] * y[i]);
                s += t[i] * y[j] * x[j];
            }
        }
        return s;
    }

    /** Rows of a matrix allocated here, written in the nest, beside the rows of an input matrix. */
    @Differentiable
    public static double scratchRows(double[][] m, double[] v) {
        double[][] h = new double[2][v.length];
        double s = 0;
        for (int k = 0; k < m.length; k++) {
            double[] row = m[k];
            double[] cur = h[k % 2], prev = h[(k + 1) % 2];
            for (int i = 0; i < v.length; i++) {
                cur[i] = Math.tanh(prev[i] * row[i] + v[i]);
                s += cur[i] * row[i];
            }
        }
        return s;
    }

    /** A shallow copy of the input matrix shares its rows: writing through it writes the input. */
    @Differentiable
    public static double sharedRows(double[][] m, double[] v) {
        double[][] c = m.clone();
        double s = 0;
        for (int i = 0; i < v.length; i++) s += m[0][i] * m[0][i] * v[i];
        c[0][0] = s;
        for (int i = 0; i < v.length; i++) s += m[0][i] * v[i];
        return s;
    }

    /** Rows of the input matrix copied into a matrix allocated here: writing its rows writes the input. */
    @Differentiable
    public static double copiedRows(double[][] m, double[] v) {
        double[][] c = new double[m.length][];
        System.arraycopy(m, 0, c, 0, m.length);
        double s = 0;
        for (int i = 0; i < v.length; i++) s += m[0][i] * m[0][i] * v[i];
        c[0][0] = s;
        for (int i = 0; i < v.length; i++) s += m[0][i] * v[i];
        return s;
    }

    /** Counted loops stepping down by two and up by three, beside a counter that is not the loop's. */
    @Differentiable
    public static double strided(double[] x, double c) {
        double s = 0;
        for (int i = x.length - 1; i >= 1; i -= 2) s += x[i] * x[i - 1] * c;
        int k = 0;
        for (int i = 0; i < x.length; i += 3) {
            s += Math.sin(x[i] * s) * x[k];
            k++;
        }
        return s;
    }

    /**
     * An array allocated here reached through a matrix allocated here, then written through its
     * own name while the inner loop reads it through the matrix's row: the two names are one array.
     */
    @Differentiable
    public static double rowThroughHolder(double[] v) {
        double[] r = new double[v.length];
        double[][] holder = new double[1][];
        holder[0] = r;
        return readsWhileWriting(v, r, holder[0]);
    }

    /** The same, the array handed back by a helper of another class. */
    @Differentiable
    public static double rowThroughCall(double[] v) {
        double[] r = new double[v.length];
        return readsWhileWriting(v, r, LoopHelpers.same(r));
    }

    /** Reads {@code row[i]} in every inner iteration while writing {@code r}, which may be {@code row}. */
    private static double readsWhileWriting(double[] v, double[] r, double[] row) {
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v.length; j++) {
                s += row[i] * v[j] + v[i] * v[j];
                r[j] = s * 0.5 + v[j];
            }
        }
        return s;
    }

    /** An array filled by a loop before the nest that reads it, and left alone after. */
    @Differentiable
    public static double filledBefore(double[] x) {
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) e[i] = Math.exp(x[i]);
        double s = 0;
        for (int i = 0; i < x.length; i++) s += e[i] * x[i] * x[i];
        return s;
    }

    /** The same, but the array is written again after the nest that reads it. */
    @Differentiable
    public static double filledBeforeAndAfter(double[] x) {
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) e[i] = Math.exp(x[i]);
        double s = 0;
        for (int i = 0; i < x.length; i++) s += e[i] * x[i] * x[i];
        e[0] = s;
        for (int i = 0; i < x.length; i++) s += Math.sin(e[i]);
        return s;
    }

    /**
     * An array allocated here copied, by reference, into an input matrix with {@code arraycopy},
     * then changed through its own name while the loop reads it through the matrix.
     */
    @Differentiable
    public static double copiedIntoInput(double[] x, int[][] holder) {
        int[] a = new int[1];
        int[][] tmp = new int[1][];
        tmp[0] = a;
        System.arraycopy(tmp, 0, holder, 0, 1);
        int[] row = holder[0];
        double s = 0;
        for (int j = 0; j < x.length; j++) {
            s += x[row[0]] * x[j];
            a[0] = j;
        }
        return s;
    }

    /** A loop that allocates an array per iteration and reads it back. */
    @Differentiable
    public static double fresh(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double[] pair = new double[2];
            pair[0] = x[i];
            pair[1] = x[i] * x[i];
            s += pair[0] * pair[1];
        }
        return s;
    }

    /**
     * Taped nests inside a loop that stays recursion: per point, a lower-triangular layer (a nest
     * with an inner loop whose bounds depend on the outer one), then a loop helper called inside
     * an expression (not inlined: a differentiated call between the nests).
     */
    @Differentiable
    public static double layers(double[] w, double[] x, int d) {
        int n = x.length / d;
        double[] z = new double[d];
        double total = 0;
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < d; i++) {
                double acc = w[d * d + i];
                for (int j = 0; j <= i; j++) acc += w[i * d + j] * x[p * d + j];
                z[i] = Math.tanh(acc);
            }
            total += 0.5 * logSumExp(z);
        }
        return total;
    }

    /**
     * A dense layer over the rows of a data matrix, written as Java developers write it: the
     * weight's index {@code h * in + j} and the input {@code x[j]} come from the inner loop's
     * counter, so its reverse recomputes them instead of saving two values per iteration.
     */
    @Differentiable
    public static double dense(double[] w, double[][] xs, int hidden) {
        int in = xs[0].length;
        double s = 0;
        for (int n = 0; n < xs.length; n++) {
            double[] x = xs[n];
            for (int h = 0; h < hidden; h++) {
                double z = w[hidden * in + h];
                for (int j = 0; j < in; j++) z += w[h * in + j] * x[j];
                s += z * z;
            }
        }
        return s;
    }

    /** A matrix read by rows in the inner loop: m[i] and its shadow are fixed while it runs. */
    @Differentiable
    public static double matrixRows(double[][] m, double[] x) {
        double s = 0;
        for (int i = 0; i < m.length; i++) {
            double z = 0;
            for (int j = 0; j < x.length; j++) z += m[i][j] * x[j];
            s += z * z;
        }
        return s;
    }

    /**
     * A chain of springs stepped in time: the inner loop's body branches at both ends of the chain
     * (boundary conditions), and its last element is read under a condition on a double too.
     */
    @Differentiable
    public static double springs(double[] k, int steps) {
        int n = k.length;
        double[] x = new double[n], v = new double[n];
        for (int i = 0; i < n; i++) x[i] = 0.1 * i - 0.2;
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < n; i++) {
                double f = -k[i] * x[i];
                if (i > 0) f += k[i - 1] * (x[i - 1] - x[i]);
                if (i + 1 < n) f += k[i] * (x[i + 1] - x[i]);
                if (f > 0) f *= 0.9; // damping one way only
                v[i] += 0.05 * f;
            }
            for (int i = 0; i < n; i++) x[i] += 0.05 * v[i];
        }
        double e = 0;
        for (int i = 0; i < n; i++) e += x[i] * x[i];
        return e;
    }

    @Differentiable
    static double logSumExp(double[] v) {
        double s = 0;
        for (double e : v) s += Math.exp(e);
        return Math.log(s);
    }

    /** Whole-array operations and two-argument library calls inside a loop: their reverse reads arrays and results. */
    @Differentiable
    public static double shifting(double[] x, int rounds) {
        double[] buffer = new double[x.length];
        double s = 0;
        for (int r = 0; r < rounds; r++) {
            System.arraycopy(x, 1, buffer, 0, x.length - 1);
            buffer[x.length - 1] = Math.pow(Math.abs(x[0]) + 1, 1.5);
            java.util.Arrays.fill(x, 0, 1, Math.hypot(buffer[0], s));
            s += Math.atan2(buffer[r % x.length], 1 + x[0] * x[0]);
        }
        return s;
    }

    /**
     * Elements updated in place ({@code a[i] += u}, {@code a[i] -= u}, {@code a[i] = u + a[i]}) where
     * {@code u} reads the same array, at the same element or another ({@code idx} repeats
     * indices): the reverse leaves the shadow in place and hands it to {@code u}.
     */
    @Differentiable
    public static double accumulations(double[] a, double[] b, int[] idx) {
        double[] acc = a.clone();
        double[] c = b.clone();
        for (int k = 0; k < idx.length; k++) {
            int i = idx[k];
            acc[i] += acc[idx[(k + 1) % idx.length]] * c[k % c.length];
            acc[i] -= 0.5 * Math.sin(c[i % c.length]) * acc[i];
            c[k % c.length] = c[k % c.length] + acc[i] * acc[i];
            acc[i] = Math.exp(-acc[i] * acc[i]) * 0.3 + acc[i];
        }
        double s = 0;
        for (int i = 0; i < acc.length; i++) s += acc[i] * (i + 1);
        return s + c[0];
    }

    /** The same in float arrays, filled from the double inputs; linear, so that differences in float are exact enough. */
    @Differentiable
    public static double floatAccumulations(double[] a, int[] idx) {
        float[] acc = new float[a.length];
        for (int i = 0; i < a.length; i++) acc[i] = (float) a[i];
        for (int k = 0; k < idx.length; k++) {
            int i = idx[k];
            acc[i] += acc[idx[(k + 1) % idx.length]] * 0.75f;
            acc[i] -= acc[idx[(k + 2) % idx.length]] * 0.25f;
            acc[i] = 0.5f * acc[i] + acc[i];
        }
        double s = 0;
        for (int i = 0; i < acc.length; i++) s += acc[i] * (i + 1);
        return s;
    }

    /**
     * Inner loops reading elements at an index fixed while they run ({@code x[i]}, {@code x[k]}),
     * beside reads of the same array that move ({@code x[j % n]}); with {@code m = 0} the inner
     * loop runs no iteration and {@code k} may be no valid index at all.
     */
    @Differentiable
    public static double fixedIndexReads(double[] x, double[] y, int k, int m) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < m; j++) {
                s += x[i] * y[j % y.length] + x[k] * x[j % x.length];
            }
            s += x[i] * x[i];
        }
        return s;
    }

    /**
     * A loop body of many library calls in branches, each branch a chain of a few values: within
     * the limits of a taped nest, but taped its function would be about 8,300 bytes, past what
     * HotSpot compiles. Then a small loop that fits.
     */
    @Differentiable
    public static double heavyThenLight(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            if (v > -0.90) s = Math.fma(v, 0.1 * s, Math.atan2(v, 1.0));
            if (v > -0.79) s = Math.fma(v, 0.1 * s, Math.atan2(v, 2.0));
            if (v > -0.69) s = Math.fma(v, 0.1 * s, Math.atan2(v, 3.0));
            if (v > -0.58) s = Math.fma(v, 0.1 * s, Math.atan2(v, 4.0));
            if (v > -0.48) s = Math.fma(v, 0.1 * s, Math.atan2(v, 5.0));
            if (v > -0.37) s = Math.fma(v, 0.1 * s, Math.atan2(v, 6.0));
            if (v > -0.26) s = Math.fma(v, 0.1 * s, Math.atan2(v, 7.0));
            if (v > -0.16) s = Math.fma(v, 0.1 * s, Math.atan2(v, 8.0));
            if (v > -0.05) s = Math.fma(v, 0.1 * s, Math.atan2(v, 9.0));
            if (v > 0.05) s = Math.fma(v, 0.1 * s, Math.atan2(v, 10.0));
            if (v > 0.16) s = Math.fma(v, 0.1 * s, Math.atan2(v, 11.0));
            if (v > 0.26) s = Math.fma(v, 0.1 * s, Math.atan2(v, 12.0));
            if (v > 0.37) s = Math.fma(v, 0.1 * s, Math.atan2(v, 13.0));
            if (v > 0.48) s = Math.fma(v, 0.1 * s, Math.atan2(v, 14.0));
            if (v > 0.58) s = Math.fma(v, 0.1 * s, Math.atan2(v, 15.0));
            if (v > 0.69) s = Math.fma(v, 0.1 * s, Math.atan2(v, 16.0));
            if (v > 0.79) s = Math.fma(v, 0.1 * s, Math.atan2(v, 17.0));
        }
        double t = 0;
        for (int i = 0; i < x.length; i++) t += x[i] * x[i] * Math.sin(x[i]);
        return s + t;
    }

    /** {@code Objects.requireNonNull} hands back its argument: reads and writes through either name are one array's. */
    @Differentiable
    public static double requireNonNull(double[] x) {
        java.util.Objects.requireNonNull(x);
        double[] y = java.util.Objects.requireNonNull(x, "x");
        double s = 0;
        for (int i = 0; i < y.length; i++) s += y[i] * x[i] * (i + 1);
        y[0] = s;
        for (int i = 1; i < x.length; i++) s += x[i - 1] * y[i];
        return x[0] * 2 + s;
    }

    /** An array filled before the nest that reads it, then handed to a helper that writes it. */
    @Differentiable
    public static double filledThenHandedOn(double[] x) {
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) e[i] = Math.exp(x[i]);
        double s = 0;
        for (int i = 0; i < x.length; i++) s += e[i] * x[i] * x[i];
        s += decayed(e, s);
        for (int i = 0; i < x.length; i++) s += Math.sin(e[i]) * x[i];
        return s;
    }

    /** Writes {@code v} in place (a loop helper: called, not inlined) and sums it. */
    @Differentiable
    static double decayed(double[] v, double rate) {
        double t = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = v[i] * Math.exp(-rate * i);
            t += v[i];
        }
        return t;
    }

    /** An array filled and read by a helper that returns it, and that its caller then overwrites. */
    @Differentiable
    public static double filledReturnedOverwritten(double[] x) {
        double[] sq = new double[1];
        double[] e = squaresAndSum(x, sq);
        double s = sq[0];
        for (int i = 0; i < x.length; i++) e[i] = e[i] * s + x[i];
        for (int i = 0; i < x.length; i++) s += e[i] * e[i];
        return s;
    }

    @Differentiable
    static double[] squaresAndSum(double[] x, double[] sum) {
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) e[i] = x[i] * x[i];
        double s = 0;
        for (int i = 0; i < x.length; i++) s += e[i] * Math.cos(e[i]);
        sum[0] = s;
        return e;
    }

    /** A table of weights allocated here and filled with constants: data, with no shadow. */
    @Differentiable
    public static double constantWeights(double[] x) {
        double[] w = {0.2, 0.3, 0.5};
        double[] scaled = new double[3];
        for (int i = 0; i < 3; i++) scaled[i] = 2 * w[i] + i;
        double s = 0;
        for (int i = 0; i < x.length; i++) s += scaled[i % 3] * x[i] * x[i] + w[i % 3] * x[i];
        return s;
    }

    /**
     * Two allocations, one chosen by a branch, then written through the chosen name with a
     * differentiable value: both may receive it, so both need shadows.
     */
    @Differentiable
    public static double chosenThenWritten(double[] x, boolean first) {
        double[] a = new double[2];
        double[] b = new double[2];
        double[] chosen = first ? a : b;
        chosen[0] = x[0] * x[1];
        chosen[1] = 3;
        return a[0] * x[0] + b[0] * x[1] + a[1] + b[1];
    }

    /** An allocation handed to a helper that writes differentiable values into it. */
    @Differentiable
    public static double filledByHelper(double[] x) {
        double[] buffer = new double[x.length];
        fillScaled(buffer, x, 1.5);
        double s = 0;
        for (double v : buffer) s += v * v;
        return s;
    }

    static void fillScaled(double[] out, double[] x, double c) {
        for (int i = 0; i < out.length; i++) out[i] = c * Math.sin(x[i]);
    }

    /** Matrices of constants, one written out and one filled from it: data, with no shadows. */
    @Differentiable
    public static double constantMatrices(double[] x) {
        double[][] k = {{1, 2}, {3, 4}};
        double[][] m = new double[2][2];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) m[i][j] = 2 * k[i][j] - j;
        double s = 0;
        for (int i = 0; i < x.length; i++) s += m[i % 2][(i + 1) % 2] * x[i] * x[(i + 1) % x.length];
        return s;
    }

    /** A matrix holding a differentiated row beside a constant one, and one written through its rows. */
    @Differentiable
    public static double matricesWithDifferentiableRows(double[] x) {
        double[][] m = new double[2][];
        m[0] = x;
        m[1] = new double[] {1, 2};
        double[][] h = new double[2][2];
        h[1][0] = x[0] * x[0];
        return m[0][0] * m[1][1] + m[0][x.length - 1] * m[1][0] + h[1][0] * h[0][1] + h[1][0];
    }

    /**
     * Rows of a long series, each row's inner loop carrying a decaying sum: a counted loop that
     * saves a value ({@code sin x}) per element, in a nest with a loop inside.
     */
    @Differentiable
    public static double longRows(double[] x, int rows) {
        int cols = x.length / rows;
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            for (int c = 0; c < cols; c++) acc = 0.9999 * acc + x[r * cols + c] * Math.sin(x[r * cols + c]);
            total += acc * acc;
        }
        return total;
    }

    /**
     * A gated cell in the manner of an LSTM: {@code h[i]} is read in each gate, the gates' arithmetic
     * is long enough that the lifter cuts the body into blocks between the reads, and {@code h[i]}
     * and {@code c[i]} are written at the end. {@code p}'s reads come back read again; h's must
     * be pushed, once per element however often it is read.
     */
    public static double gatedCells(double[] p, int steps) {
        int n = p.length / 2;
        double[] h = new double[n], c = new double[n];
        for (int i = 0; i < n; i++) {
            h[i] = 0.1 * i - 0.3;
            c[i] = 0.2;
        }
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < n; i++) {
                double f = 1 / (1 + Math.exp(-(h[i] * p[i] + p[n + i] * 0.5 - 0.25 * h[i] * h[i])));
                double g = Math.tanh(h[i] * p[n + i] - p[i] * f + 0.125 * (p[i] + p[n + i]) * h[i]);
                double o = 1 / (1 + Math.exp(-(h[i] * f + g * p[i] - 0.5 * (f - g) * (f + g) * h[i])));
                double u = Math.tanh(f * g - o * h[i] + 0.75 * (p[n + i] - f) * (o + g) * h[i]);
                c[i] = c[i] * f + g * o + 0.1 * u * h[i];
                h[i] = o * Math.tanh(c[i]) + 0.01 * u;
            }
        }
        double s = 0;
        for (int i = 0; i < n; i++) s += h[i] * c[i] + h[i];
        return s;
    }

    /**
     * Bodies pulling on each other in pairs (n-body on arrays): the pair loop's body is long enough
     * that the lifter cuts it into blocks, so {@code dx}, {@code dy}, {@code f}, {@code i} and
     * {@code j} reach its later blocks as their entry values.
     */
    @Differentiable
    public static double pairForces(double[] p, double[] m, int steps) {
        int n = m.length;
        double[] x = new double[n], y = new double[n], vx = new double[n], vy = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = p[2 * i];
            y[i] = p[2 * i + 1];
        }
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    double dx = x[j] - x[i];
                    double dy = y[j] - y[i];
                    double d2 = dx * dx + dy * dy + 0.01;
                    double f = 0.01 / (d2 * Math.sqrt(d2));
                    vx[i] += dx * f * m[j];
                    vy[i] += dy * f * m[j];
                    vx[j] -= dx * f * m[i];
                    vy[j] -= dy * f * m[i];
                }
            }
            for (int i = 0; i < n; i++) {
                x[i] += 0.01 * vx[i];
                y[i] += 0.01 * vy[i];
            }
        }
        double e = 0;
        for (int i = 0; i < n; i++) e += m[i] * (vx[i] * vx[i] + vy[i] * vy[i]) + x[i] * y[i];
        return e;
    }

    /**
     * A check inside the loop that throws (as Java code validates its input): a jump out of the
     * body to a throw, which a counted loop may take — the exception ends the gradient.
     */
    @Differentiable
    public static double checkedEveryStep(double[] x, double[] k) {
        double[] v = new double[x.length];
        double e = 0;
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < x.length; i++) {
                if (Double.isNaN(x[i])) throw new IllegalArgumentException("x[" + i + "] is NaN");
                v[i] += k[0] * x[i] * x[i];
                e += v[i] * x[i];
            }
        }
        return e;
    }
}
