package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/**
 * Loops that sum, the way numerical Java sums: losses over data, likelihoods, penalties — and
 * loops that look like sums but carry something else, which must stay counted loops.
 */
public final class Sums {
    private Sums() {}

    /** A straight line fitted to data: two scalar parameters read in every iteration. */
    @Differentiable
    public static double leastSquares(double a, double b, double[] t, double[] y) {
        double loss = 0;
        for (int i = 0; i < t.length; i++) {
            double r = a * t[i] + b - y[i];
            loss += r * r;
        }
        return loss / t.length;
    }

    /** A Gaussian log-likelihood, subtracted term by term, through library calls; the sum goes on after the loop. */
    @Differentiable
    public static double logLikelihood(double[] mu, double sigma, double[] data) {
        double ll = 0;
        for (int i = 0; i < data.length; i++) {
            double z = (data[i] - mu[i % mu.length]) / sigma;
            ll -= 0.5 * z * z + Math.log(sigma);
        }
        return Math.exp(0.1 * ll) + ll * sigma;
    }

    /** A hinge: the sum grows only on some iterations. */
    @Differentiable
    public static double hinge(double[] w, double[] x, double margin) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            double m = w[i] * x[i];
            if (m < margin) s += margin - m;
            else if (m > 2 * margin) s += 0.1 * (m - 2 * margin) * (m - 2 * margin);
        }
        return s * s;
    }

    /** One array under two names: both buffers go to the same shadow. */
    @Differentiable
    public static double aliased(double[] x) {
        double[] y = x;
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[(i + 1) % y.length] + Math.sin(y[i]);
        return Math.sqrt(1 + s * s);
    }

    /** A slice, maybe empty: elements outside it get no gradient, and a loop that never runs adds nothing. */
    @Differentiable
    public static double slice(double[] x, int from, int to) {
        double s = 0.5;
        for (int i = from; i < to; i++) s += Math.exp(-x[i] * x[i]);
        return Math.log(s);
    }

    /** A scalar read in the loop and after it: its adjoint comes from both. */
    @Differentiable
    public static double invariantUsedAfter(double[] x, double c) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += c * x[i] * x[i] - Math.cos(c * i);
        return s * c + c * c;
    }

    /** s = s + e written the long way, with the sum on the right. */
    @Differentiable
    public static double sumOnTheRight(double[] x) {
        double s = 1;
        for (int i = 1; i < x.length; i++) s = (x[i] - x[i - 1]) * (x[i] - x[i - 1]) + s;
        return s * x[0];
    }

    /**
     * The loop of {@link SumsElsewhere#returnedAsIs} in a helper of another class, which is called, not inlined: where a gradient
     * starts, nothing after the call writes an array, so the helper runs as an outermost call too,
     * but its result goes to this method's continuation, which triples its adjoint.
     */
    @Differentiable
    public static double returnedThroughHelper(double[] x, double[] y, double c) {
        return 3 * SumsElsewhere.returnedAsIs(x, y, c) + x[0];
    }

    /** A sum of roots, capped: at x = {0, 1, 5} the cap holds, the sum's adjoint is 0, and sqrt's derivative at 0 is infinite. */
    @Differentiable
    public static double cappedRoots(double[] x) {
        double s = 0;
        for (int i = 0; i < 2; i++) s += Math.sqrt(x[i]);
        return Math.max(s, 100) + x[2];
    }

    /** A norm of all but the last element, plus the last: at zero the norm's adjoint is infinite. */
    @Differentiable
    public static double normPlusBias(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length - 1; i++) s += w[i] * w[i];
        return Math.sqrt(s) + w[w.length - 1];
    }

    static double clipped(double x) {
        return x;
    }

    /** A user's rule that clips the adjoint it is given to [-1, 1]: not linear in it. */
    @org.grad4j.AdjointOf("clipped")
    static double clippedAdjoint(double x, double y, double dy) {
        return Math.max(-1.0, Math.min(1.0, dy));
    }

    /** A sum through a user's rule, scaled after the loop. */
    @Differentiable
    public static double sumOfClipped(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += clipped(w[i]);
        return 10 * s;
    }

    /** A logistic regression's loss: a sum over samples of a function of a sum over features. */
    @Differentiable
    public static double logistic(double[] w, double b, double[] xs, double[] ys) {
        int d = w.length, n = ys.length;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = b;
            for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            loss += Math.log(1 + Math.exp(-ys[i] * z));
        }
        return loss / n;
    }

    /**
     * Per sample: a branch on the label, a scale computed before the inner loops and read in them,
     * a second inner loop starting where the sample says, and one that adds to the loss itself.
     */
    @Differentiable
    public static double perSample(double[] w, double c, double[] xs, double[] ys) {
        int d = w.length, n = ys.length;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double scale = 1 + c * c * ys[i];
            double z = 0;
            for (int j = 0; j < d; j++) z += scale * w[j] * xs[i * d + j];
            double q = 0.5;
            for (int j = i % 2; j < d; j++) q -= Math.sin(w[j] * c) * xs[i * d + j];
            if (ys[i] > 0) loss += z * z * q;
            else loss -= Math.tanh(z) + scale * q;
            for (int j = 0; j < d; j += 2) loss += 0.01 * w[j] * w[j] * scale;
        }
        return Math.sqrt(1 + loss * loss);
    }

    /**
     * An offset carried from sample to sample and moved on after the inner loop that reads it; an
     * inner loop some samples skip; an outer {@code continue} (two jumps back to the header).
     */
    @Differentiable
    public static double offsets(double[] w, double[] xs, double[] ys) {
        int d = w.length, off = 0;
        double loss = 0;
        for (int i = 0; i < ys.length; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) z += w[j] * xs[off + j];
            off += d;
            if (ys[i] < -0.3) continue;
            double extra = 1;
            if (ys[i] > 0.2) {
                for (int j = 0; j < d; j++) extra += Math.exp(w[j] * ys[i]) * 0.1;
            }
            loss += (z - ys[i]) * (z - ys[i]) * extra;
        }
        return loss * loss;
    }

    /** Inner loops that branch or continue: the nest stays as it was (counted loops), and must still be right. */
    @Differentiable
    public static double innerBranches(double[] w, double[] xs, double[] ys) {
        int d = w.length;
        double loss = 0;
        for (int i = 0; i < ys.length; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) {
                double a = w[j] * xs[i * d + j];
                if (a > 0) z += a;
            }
            double q = 0;
            int j = 0;
            while (j < d) {
                j++;
                if (xs[i * d + j - 1] < 0) continue;
                q += w[j - 1];
            }
            loss += (z + q - ys[i]) * (z - ys[i]);
        }
        return loss;
    }

    /** The samples of {@link #huber}: data, read from a field, as a model's loss reads its data. */
    static double[][] samples = new double[0][];

    /**
     * A Huber loss per sample over rows of a data matrix, through a conditional expression: the
     * old sum waits on the operand stack across the branch.
     */
    @Differentiable
    public static double huber(double[] w, double[] ys) {
        double[][] xs = samples;
        double s = 0;
        for (int i = 0; i < xs.length; i++) {
            double z = w[0];
            for (int j = 1; j < w.length; j++) z += w[j] * xs[i][j - 1];
            double e = z - ys[i];
            double ae = Math.abs(e);
            s += ae < 1 ? 0.5 * e * e : ae - 0.5;
        }
        return s / xs.length;
    }

    /** A sum through a conditional expression, in a loop of its own. */
    @Differentiable
    public static double ternarySum(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] > 0.3 ? x[i] * x[i] : Math.sin(x[i]);
        return s * s;
    }

    /** A sum some iterations start again: on that path the old sum is dropped, not added to. */
    @Differentiable
    public static double restarted(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s = x[i] > 0.8 ? x[i] : s + x[i] * x[i];
        return s * s;
    }

    /** A sum reset to zero by some iterations, in a statement of its own. */
    @Differentiable
    public static double reset(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] > 0.8) s = 0;
            else s += x[i] * x[i];
        }
        return s * s + x[0];
    }

    private static double huberOf(double e) {
        double a = Math.abs(e);
        return a < 1 ? 0.5 * e * e : a - 0.5;
    }

    /** The Huber loss through a helper, inlined in the middle of {@code s + huberOf(...)}: the inliner keeps s in a local. */
    @Differentiable
    public static double huberThroughHelper(double[] w, double[] ys) {
        double[][] xs = samples;
        double s = 0;
        for (int i = 0; i < xs.length; i++) {
            double z = w[0];
            for (int j = 1; j < w.length; j++) z += w[j] * xs[i][j - 1];
            s += huberOf(z - ys[i]);
        }
        return s / xs.length;
    }

    /** The old sum kept in a local of its own across a branch, then added to. */
    @Differentiable
    public static double keptAside(double[] x) {
        double s = 0.5;
        for (int i = 0; i < x.length; i++) {
            double before = s;
            double e = x[i] * 0.5;
            if (e > 0.1) e = e * e;
            s = before + e;
        }
        return Math.log(1 + s * s);
    }

    /** The sum added to a copy of itself on some iterations: there it doubles, not a sum. */
    @Differentiable
    public static double doubled(double[] x) {
        double s = 0.25;
        for (int i = 0; i < x.length; i++) {
            double t = s;
            if (x[i] > 0.5) s = s + t;
            else s += x[i] * x[i];
        }
        return s;
    }

    /** The sum read again inside the term added to it (found by the fuzzer): s += sin(c ? s : x). */
    @Differentiable
    public static double readAgain(double[] x) {
        double s = 0.5;
        for (int i = 0; i < x.length; i++) s += Math.sin(i < 2 ? s : x[i]);
        return s * s;
    }

    /** Another name for an array within an iteration, set in a block with nothing to reverse. */
    @Differentiable
    public static double renamed(double[] w, double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double[] v = i % 2 == 0 ? w : x;
            if (v.length > 0) s += v[i % v.length] * x[i];
        }
        return Math.sqrt(1 + s * s);
    }

    /** A previous element carried to the next iteration: not a sum alone. */
    @Differentiable
    public static double carriedPrevious(double[] x) {
        double s = 0, prev = 1;
        for (int i = 0; i < x.length; i++) {
            s += prev * x[i];
            prev = x[i] * 0.5 + prev * 0.25;
        }
        return s + prev;
    }

    /** An alternating sum: s = e - s flips the sum's adjoint every iteration. */
    @Differentiable
    public static double alternating(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s = x[i] * x[i] - s;
        return s * s;
    }

    /** The sum read in the loop: its adjoint changes from iteration to iteration. */
    @Differentiable
    public static double sumReadInside(double[] x) {
        double s = 1;
        for (int i = 0; i < x.length; i++) s += 0.1 * x[i] * s;
        return s;
    }

    /** Two sums. */
    @Differentiable
    public static double twoSums(double[] x) {
        double sx = 0, sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sx += x[i];
            sxx += x[i] * x[i];
        }
        return sxx / x.length - (sx / x.length) * (sx / x.length);
    }

    /**
     * A sum beside a running maximum that is only compared after the loop (a diagnostic): the
     * maximum is carried but passes no derivative on, so the loop is still a reduction.
     */
    @Differentiable
    public static double sumBesideAWatchedMaximum(double[] x) {
        double s = 0, largest = 0;
        for (int i = 0; i < x.length; i++) {
            double r = x[i] * x[i] - 0.5;
            s += r * r;
            largest = Math.max(largest, Math.abs(r));
        }
        return largest > 1e6 ? Double.NaN : s;
    }

    /**
     * A hand-written compensated (Kahan) sum: the compensation reaches the result, so it carries
     * a derivative and the loop carries two values with adjoints.
     */
    @Differentiable
    public static double kahan(double[] x) {
        double s = 0, c = 0;
        for (int i = 0; i < x.length; i++) {
            double y = x[i] * x[i] - c;
            double t = s + y;
            c = (t - s) - y;
            s = t;
        }
        return s;
    }

    /**
     * A stream's sum: the fused loop keeps the JDK's compensated sum beside the simple one its
     * derivative passes through; the compensation is carried but passes no derivative on.
     */
    @Differentiable
    public static double streamedSquares(double[] x) {
        return java.util.stream.IntStream.range(0, x.length).mapToDouble(i -> (x[i] - 0.5) * x[i]).sum();
    }

    /** A stream's sum, scaled: its adjoint is 3 times the result's, not the result's as it is. */
    @Differentiable
    public static double scaledStream(double[] x) {
        return 3 * java.util.stream.DoubleStream.of(x).map(v -> v * v).sum();
    }

    /** A stream's sum under a log: the sum's adjoint reads the sum. */
    @Differentiable
    public static double logOfAStream(double[] x) {
        return Math.log(1 + java.util.Arrays.stream(x).map(v -> v * v).sum());
    }

    /** A sum into a scratch array: the body stores into an array. */
    @Differentiable
    public static double storesInside(double[] x) {
        double[] squares = new double[x.length];
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            squares[i] = x[i] * x[i];
            s += squares[i] * x[i];
        }
        return s + squares[0];
    }

    /** The same sum as a loop inside a loop: run per row, it is not a reduction (a buffer per run would cost a pass each). */
    @Differentiable
    public static double perRow(double[] x, int rows) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) s += (x[i] - r) * (x[i] - r);
            total += Math.sqrt(s + 1);
        }
        return total;
    }

    /** Floats: the sum is a float. */
    @Differentiable
    public static double floatSum(double[] x) {
        float s = 0;
        for (int i = 0; i < x.length; i++) s += (float) (x[i] * x[i]);
        return s;
    }
}
