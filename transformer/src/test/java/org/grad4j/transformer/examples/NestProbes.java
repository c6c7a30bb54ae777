package org.grad4j.transformer.examples;

import org.grad4j.Differentiable;

/** Nests at the edge of reductions of nests (see {@link NestProbesTest}), from a review. */
public final class NestProbes {
    private NestProbes() {}

    /** An int the inner loop writes, overwritten after it (not in the latch), read by the next sample. */
    @Differentiable
    public static double clobbered(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        int k = 0;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = w[k % d];
            for (int j = 0; j < d; j++) {
                k = j + 7;
                z += w[j] * xs[i * d + j];
            }
            k = i + 1;
            if (z > 0) loss += z * z;
            else loss -= z;
        }
        return loss;
    }

    /** Same, with the overwrite in a block of its own before the latch, no branch. */
    @Differentiable
    public static double clobbered2(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        int k = 0;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = w[k % d];
            for (int j = 0; j < d; j++) {
                k = j + 7;
                z += w[j] * xs[i * d + j];
            }
            k = i + 1;
            loss += z * z;
        }
        return loss;
    }

    /** Two inner loops in sequence, the second reading the first's sum. */
    @Differentiable
    public static double secondReadsFirst(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            double q = z;
            for (int j = 0; j < d; j++) q += Math.sin(z * w[j]) * xs[i * d + j];
            loss += q * q + z;
        }
        return loss;
    }

    /** The same inner sum slot continued by a second loop. */
    @Differentiable
    public static double sameSumTwice(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = 0.5;
            for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            z = z * z;
            for (int j = 0; j < d; j++) z -= w[j] * w[j] * xs[i * d + j];
            loss += Math.exp(0.1 * z);
        }
        return loss;
    }

    /** Inner loops in both branches of an if/else. */
    @Differentiable
    public static double bothBranches(double[] w, double[] xs, double[] ys) {
        int d = w.length;
        double loss = 0;
        for (int i = 0; i < ys.length; i++) {
            double z = ys[i];
            if (ys[i] > 0.5) {
                for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            } else {
                for (int j = d - 1; j >= 0; j--) z -= Math.cos(w[j]) * xs[i * d + j];
            }
            loss += z * z;
        }
        return loss;
    }

    /** An inner counter carried across samples (a ragged layout), bound read from data. */
    @Differentiable
    public static double ragged(double[] w, double[] xs, double[] ends) {
        int j = 0;
        double loss = 0;
        for (int i = 0; i < ends.length; i++) {
            double z = 1;
            int end = (int) ends[i];
            for (; j < end; j++) z += w[j % w.length] * xs[j];
            loss += Math.log(1 + z * z);
        }
        return loss;
    }

    /** Bound computed per sample; inner loop reads a temp computed in the outer body, then reassigned. */
    @Differentiable
    public static double perSampleBound(double[] w, double c) {
        int d = w.length;
        double loss = 0;
        for (int i = 0; i < 5; i++) {
            int k = (i * 3) % (d + 1);
            double a = c * w[i % d];
            double z = 0;
            for (int j = 0; j < k; j++) z += a * w[j] + c;
            a = a * a + z;
            loss += a * z;
        }
        return loss;
    }

    /** The sum returned as is. */
    @Differentiable
    public static double returned(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = w[0];
            for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            loss += z * z * z;
        }
        return loss;
    }

    /** The sum returned as is, the inner loop adding to it directly. */
    @Differentiable
    public static double returnedInner(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) loss += w[j] * w[j] * xs[i * d + j];
            loss += w[i % d];
        }
        return loss;
    }

    /** An outer continue between two inner loops. */
    @Differentiable
    public static double continues(double[] w, double[] xs, double[] ys) {
        int d = w.length;
        double loss = 0;
        for (int i = 0; i < ys.length; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            if (ys[i] < 0) {
                loss += z;
                continue;
            }
            double q = 1;
            for (int j = 0; j < d; j++) q += z * w[j];
            loss += q * q;
        }
        return loss;
    }

    /** While and do-while inner loops. */
    @Differentiable
    public static double whiles(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        int i = 0;
        while (i < n) {
            double z = 0;
            int j = 0;
            while (j < d) {
                z += w[j] * xs[i * d + j];
                j++;
            }
            double q = 0;
            j = 0;
            do {
                q += w[j] * z;
                j++;
            } while (j < d);
            loss += z * q;
            i++;
        }
        return loss;
    }

    /** Several-argument rules and float conversions in the inner loop. */
    @Differentiable
    public static double rules(double[] w, double[] xs, double c) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) {
                z += Math.pow(1.5 + w[j] * w[j], c) * Math.atan2(w[j], xs[i * d + j] + 2) + Math.hypot(w[j], c)
                        + Math.max(w[j], xs[i * d + j]) + (float) (w[j] * 0.5);
            }
            loss += Math.sqrt(1 + z * z);
        }
        return loss;
    }

    /** Slot reuse: a double after the inner loop in j's slot; an int with the same slot as an inner double temp. */
    @Differentiable
    public static double reuse(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) {
                double t = w[j] * xs[i * d + j];
                z += t * t;
            }
            double u = z * 0.5;
            int m = i % 3;
            double v = u * u + m;
            for (int j = 0; j < d; j++) {
                double t = w[j] - v;
                v += t;
            }
            if (u > 0.1) loss += v;
            else loss -= u;
        }
        return loss;
    }

    /** An inner loop in an if: some samples skip it; a Math.sqrt of the sum (0 for zero rows). */
    @Differentiable
    public static double sqrtOfSum(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = 0;
            if (i % 2 == 0) {
                for (int j = 0; j < d; j++) z += w[j] * w[j] * xs[i * d + j] * xs[i * d + j];
            }
            loss += Math.sqrt(z + 1e-3);
        }
        return loss;
    }

    /** A long inner body. */
    @Differentiable
    public static double longBody(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) {
                double a = w[j] * xs[i * d + j];
                double b = Math.sin(a) + Math.cos(a * a) + Math.exp(-a * a);
                double c = b * b - a * b + Math.tanh(b);
                double e = Math.log(1 + c * c) + Math.atan(a + b + c);
                z += a + b + c + e + Math.sinh(0.1 * e) + Math.cosh(0.1 * c);
            }
            loss += z * z;
        }
        return loss;
    }

    /** An inner loop that throws on some inputs. */
    @Differentiable
    public static double throwsInside(double[] w, double[] xs, int bad) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j + (i == bad ? 1000 : 0)];
            loss += z * z;
        }
        return loss;
    }

    /** Inner counter starts from a value computed in the outer body and the loop's start is read after. */
    @Differentiable
    public static double startFromOuter(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int j = i % d;
            double z = w[j];
            for (; j < d; j++) z += w[j] * xs[i * d + j];
            loss += z * z + j;
        }
        return loss;
    }

    /** A float sum inside, double outside. */
    @Differentiable
    public static double floatInner(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) z += (float) w[j] * (float) xs[i * d + j];
            loss += z * z;
        }
        return loss;
    }

    /** Inactive double carried and rewritten: scaled data, inner loop writes an inactive temp that the outer body reassigns. */
    @Differentiable
    public static double inactiveCarried(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double scale = 1;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = scale;
            for (int j = 0; j < d; j++) {
                scale = xs[i * d + j];
                z += w[j] * scale;
            }
            scale = 2 + i;
            if (z > 0) loss += z * z * scale;
            else loss += z;
        }
        return loss;
    }

    /** An int crossing blocks inside the inner body (an inactive branch between), overwritten after the inner loop, read by the next sample. */
    @Differentiable
    public static double clobbered3(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        int k = 0, cnt = 0;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = w[k % d];
            for (int j = 0; j < d; j++) {
                k = j + 7;
                if (xs[i * d + j] > 0.9) cnt++;
                z += w[k - 7] * xs[i * d + j];
            }
            k = i + 1;
            if (z > 0) loss += z * z;
            else loss -= z;
        }
        return loss + cnt;
    }

    /** The same with a double temp (inactive) that the outer body reassigns after the inner loop. */
    @Differentiable
    public static double clobbered4(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double t = 0.25;
        int cnt = 0;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = w[0] * t;
            for (int j = 0; j < d; j++) {
                t = xs[i * d + j] * 3;
                if (xs[i * d + j] > 0.9) cnt++;
                z += w[j] * t;
            }
            t = i + 0.5;
            if (z > 0) loss += z * z;
            else loss -= z;
        }
        return loss + cnt;
    }

    /** Minimal: k crosses blocks inside the inner body, is reset after it, and read by the next sample. */
    @Differentiable
    public static double clobberedMin(double[] w, double[] x) {
        int k = 0, cnt = 0;
        double loss = 0;
        for (int i = 0; i < 3; i++) {
            double z = w[k];
            for (int j = 0; j < 2; j++) {
                k = j + 1;
                if (x[j] > 0) cnt++;
                z += w[k] * x[j];
            }
            k = 0;
            if (z > 0) loss += z * z;
            else loss -= z;
        }
        return loss + cnt;
    }

    /** An inner loop inside try/catch; some samples throw half way. */
    @Differentiable
    public static double caught(double[] w, double[] xs, double[] ys) {
        int d = w.length;
        double loss = 0;
        for (int i = 0; i < ys.length; i++) {
            double z = 0;
            try {
                for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            } catch (ArrayIndexOutOfBoundsException e) {
                z = -1;
            }
            loss += z * z;
        }
        return loss;
    }

    /** A while outer loop with a continue straight to its header (two jumps back) and an inner while entered from the header's successor. */
    @Differentiable
    public static double whileContinue(double[] w, double[] xs, double[] ys) {
        int d = w.length;
        double loss = 0;
        int i = -1;
        while (++i < ys.length) {
            double z = ys[i];
            int j = 0;
            while (j < d) {
                z += w[j] * xs[i * d + j];
                j++;
            }
            if (ys[i] < 0.3) continue;
            loss += z * z;
        }
        return loss;
    }

    /** Inner header entered straight from two outer blocks (no init block), j carried. */
    @Differentiable
    public static double twoEntries(double[] w, double[] ys) {
        int d = w.length;
        double loss = 0;
        int j = 0;
        for (int i = 0; i < ys.length; i++) {
            double z;
            if (ys[i] > 0.5) z = w[0];
            else z = ys[i];
            while (j < d * (i + 1) / ys.length) {
                z += w[j] * ys[i];
                j++;
            }
            loss += Math.sin(z);
        }
        return loss;
    }

    /** Two nests and a plain sum over the same arrays. */
    @Differentiable
    public static double threeReductions(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d;
        double a = 0;
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            a += z * z;
        }
        double b = 0;
        for (int i = 0; i < n; i++) {
            double z = 1;
            for (int j = 0; j < d; j++) z -= w[j] * w[j] * xs[i * d + j];
            b += Math.exp(z);
        }
        double c = 0;
        for (int j = 0; j < d; j++) c += w[j] * w[j] * w[j];
        return a * b + c * a;
    }

    /** The inner loop's counter slot holds a double on the other branch. */
    @Differentiable
    public static double otherTypeOnOtherBranch(double[] w, double[] xs, double[] ys) {
        int d = w.length;
        double loss = 0;
        for (int i = 0; i < ys.length; i++) {
            double z = ys[i];
            if (ys[i] > 0.5) {
                for (int j = 0; j < d; j++) z += w[j] * xs[i * d + j];
            } else {
                double u = ys[i] * 2;
                z += u * w[0];
            }
            loss += z * z;
        }
        return loss;
    }

    /** A header-written int (not live at the inner header) reset after the loop and read by the next sample. */
    @Differentiable
    public static double headerWritten(double[] w, double[] x) {
        int k = 0;
        double loss = 0;
        for (int i = 0; i < 3; i++) {
            double z = w[k];
            for (int j = 0; (k = j + 1) < 3; j++) z += w[k] * x[j];
            k = 0;
            if (z > 0) loss += z * z;
            else loss -= z;
        }
        return loss;
    }

    /** The inner sum updated in two blocks of the inner body (an inactive branch between). */
    @Differentiable
    public static double twoUpdates(double[] w, double[] xs) {
        int d = w.length, n = xs.length / d, cnt = 0;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < d; j++) {
                double t = w[j] * xs[i * d + j];
                z += t * t;
                if (xs[i * d + j] > 0.7) cnt++;
                z -= Math.sin(t) * w[j];
            }
            loss += Math.exp(z) * cnt;
        }
        return loss;
    }
}
