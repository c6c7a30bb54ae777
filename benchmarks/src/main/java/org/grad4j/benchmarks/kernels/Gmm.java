package org.grad4j.benchmarks.kernels;

import java.io.InputStream;
import java.util.List;
import java.util.Random;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.benchmarks.Kernel;

/**
 * The Gaussian-mixture log-posterior of ADBench / GradBench ({@code gmm_objective} of ADBench's C++
 * reference, Wishart prior included), in plain loops over flat arrays as the reference writes it.
 *
 * <p>The parameters are one vector in ADBench's flat order: {@code alphas} (k), {@code means}
 * (k &times; d), {@code icf} (k &times; d(d+1)/2: d log-diagonal entries of the inverse covariance
 * factor, then its strictly lower triangle column by column). The points {@code x} (n &times; d,
 * row-major) are data. The terms that depend on no parameter ({@code -n d/2 log 2 pi} and the
 * Wishart normaliser, which needs {@code lgamma}) are one constant computed once.
 */
public final class Gmm {
    private Gmm() {}

    @Differentiable
    public static double objective(double[] p, double[] x, int d, int k, double gamma, int m, double constant) {
        int n = x.length / d;
        int icfSize = d * (d + 1) / 2;
        int meansAt = k;
        int icfAt = k + k * d;
        double[] sumQs = new double[k];
        double[] qdiags = new double[k * d];
        for (int ik = 0; ik < k; ik++) {
            double s = 0;
            for (int id = 0; id < d; id++) {
                double q = p[icfAt + ik * icfSize + id];
                s += q;
                qdiags[ik * d + id] = Math.exp(q);
            }
            sumQs[ik] = s;
        }
        double[] xc = new double[d];
        double[] qxc = new double[d];
        double[] mainTerm = new double[k];
        double slse = 0;
        for (int ix = 0; ix < n; ix++) {
            for (int ik = 0; ik < k; ik++) {
                for (int id = 0; id < d; id++) xc[id] = x[ix * d + id] - p[meansAt + ik * d + id];
                for (int id = 0; id < d; id++) qxc[id] = qdiags[ik * d + id] * xc[id];
                int l = icfAt + ik * icfSize + d;
                for (int i = 0; i < d; i++) {
                    for (int j = i + 1; j < d; j++) {
                        qxc[j] += p[l] * xc[i];
                        l++;
                    }
                }
                double sq = 0;
                for (int id = 0; id < d; id++) sq += qxc[id] * qxc[id];
                mainTerm[ik] = p[ik] + sumQs[ik] - 0.5 * sq;
            }
            slse += logsumexp(mainTerm);
        }
        double amax = p[0];
        for (int ik = 1; ik < k; ik++) if (p[ik] > amax) amax = p[ik];
        double asum = 0;
        for (int ik = 0; ik < k; ik++) asum += Math.exp(p[ik] - amax);
        double lseAlphas = Math.log(asum) + amax;
        double prior = 0;
        for (int ik = 0; ik < k; ik++) {
            double frobenius = 0;
            for (int id = 0; id < d; id++) frobenius += qdiags[ik * d + id] * qdiags[ik * d + id];
            for (int i = d; i < icfSize; i++) {
                double v = p[icfAt + ik * icfSize + i];
                frobenius += v * v;
            }
            prior += 0.5 * gamma * gamma * frobenius - m * sumQs[ik];
        }
        return constant + slse - n * lseAlphas + prior;
    }

    @Differentiable
    static double logsumexp(double[] v) {
        double max = v[0];
        for (int i = 1; i < v.length; i++) if (v[i] > max) max = v[i];
        double s = 0;
        for (int i = 0; i < v.length; i++) s += Math.exp(v[i] - max);
        return Math.log(s) + max;
    }

    /**
     * Hand-written adjoint, a straight port of the loops: per point, the forward pass of every
     * component is kept ({@code xc}, {@code Qxc}, the main terms), then run backwards.
     */
    public static double[] gradient(double[] p, double[] x, int d, int k, double gamma, int m) {
        int n = x.length / d;
        int icfSize = d * (d + 1) / 2;
        int meansAt = k;
        int icfAt = k + k * d;
        double[] g = new double[p.length];
        double[] sumQs = new double[k];
        double[] qdiags = new double[k * d];
        for (int ik = 0; ik < k; ik++) {
            double s = 0;
            for (int id = 0; id < d; id++) {
                double q = p[icfAt + ik * icfSize + id];
                s += q;
                qdiags[ik * d + id] = Math.exp(q);
            }
            sumQs[ik] = s;
        }
        double[] dQdiags = new double[k * d];
        double[] dSumQs = new double[k];
        double[] xc = new double[k * d];
        double[] qxc = new double[k * d];
        double[] mainTerm = new double[k];
        double[] dqxc = new double[d];
        double[] dxc = new double[d];
        for (int ix = 0; ix < n; ix++) {
            // forward, keeping every component's intermediates
            double max = Double.NEGATIVE_INFINITY;
            for (int ik = 0; ik < k; ik++) {
                int o = ik * d;
                for (int id = 0; id < d; id++) xc[o + id] = x[ix * d + id] - p[meansAt + o + id];
                for (int id = 0; id < d; id++) qxc[o + id] = qdiags[o + id] * xc[o + id];
                int l = icfAt + ik * icfSize + d;
                for (int i = 0; i < d; i++) {
                    for (int j = i + 1; j < d; j++) {
                        qxc[o + j] += p[l] * xc[o + i];
                        l++;
                    }
                }
                double sq = 0;
                for (int id = 0; id < d; id++) sq += qxc[o + id] * qxc[o + id];
                mainTerm[ik] = p[ik] + sumQs[ik] - 0.5 * sq;
                if (mainTerm[ik] > max) max = mainTerm[ik];
            }
            double s = 0;
            for (int ik = 0; ik < k; ik++) s += Math.exp(mainTerm[ik] - max);
            // reverse: d slse / d mainTerm[ik] is the softmax weight
            for (int ik = 0; ik < k; ik++) {
                int o = ik * d;
                double w = Math.exp(mainTerm[ik] - max) / s;
                g[ik] += w;
                dSumQs[ik] += w;
                double dsq = -0.5 * w;
                for (int id = 0; id < d; id++) {
                    dqxc[id] = 2 * qxc[o + id] * dsq;
                    dxc[id] = 0;
                }
                int l = icfAt + ik * icfSize + d;
                for (int i = 0; i < d; i++) {
                    for (int j = i + 1; j < d; j++) {
                        g[l] += dqxc[j] * xc[o + i];
                        dxc[i] += dqxc[j] * p[l];
                        l++;
                    }
                }
                for (int id = 0; id < d; id++) {
                    dQdiags[o + id] += dqxc[id] * xc[o + id];
                    dxc[id] += dqxc[id] * qdiags[o + id];
                    g[meansAt + o + id] -= dxc[id];
                }
            }
        }
        // - n logsumexp(alphas)
        double amax = p[0];
        for (int ik = 1; ik < k; ik++) if (p[ik] > amax) amax = p[ik];
        double asum = 0;
        for (int ik = 0; ik < k; ik++) asum += Math.exp(p[ik] - amax);
        for (int ik = 0; ik < k; ik++) g[ik] -= n * Math.exp(p[ik] - amax) / asum;
        // prior: 0.5 gamma^2 (|Qdiag|^2 + |L|^2) - m sumQs
        double gg = gamma * gamma;
        for (int ik = 0; ik < k; ik++) {
            dSumQs[ik] -= m;
            for (int id = 0; id < d; id++) dQdiags[ik * d + id] += gg * qdiags[ik * d + id];
            for (int i = d; i < icfSize; i++) g[icfAt + ik * icfSize + i] += gg * p[icfAt + ik * icfSize + i];
            for (int id = 0; id < d; id++) {
                g[icfAt + ik * icfSize + id] += dQdiags[ik * d + id] * qdiags[ik * d + id] + dSumQs[ik];
            }
        }
        return g;
    }

    /** {@code -n d/2 log(2 pi) - k C(wishart)}: the part of the objective no parameter changes. */
    public static double constant(int d, int k, int n, double gamma, int m) {
        double nn = d + m + 1;
        double c = nn * d * (Math.log(gamma) - 0.5 * Math.log(2)) - logGammaDistrib(0.5 * nn, d);
        return -n * d * 0.5 * Math.log(2 * Math.PI) - k * c;
    }

    private static double logGammaDistrib(double a, int p) {
        double out = 0.25 * p * (p - 1) * Math.log(Math.PI);
        for (int j = 1; j <= p; j++) out += lgamma(a + 0.5 * (1 - j));
        return out;
    }

    private static final double[] LANCZOS = {
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7};

    /** log Gamma(x) for x &gt; 0 (Lanczos, g = 7): only for the constant. */
    static double lgamma(double x) {
        if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
        x -= 1;
        double a = LANCZOS[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }

    public static final class Problem implements Kernel {
        final int d;
        final int k;
        final double[] params;
        final double[] x;
        final double gamma;
        final int m;
        final double constant;

        Problem(int d, int k, double[] params, double[] x, double gamma, int m) {
            this.d = d;
            this.k = k;
            this.params = params;
            this.x = x;
            this.gamma = gamma;
            this.m = m;
            this.constant = Gmm.constant(d, k, x.length / d, gamma, m);
        }

        /** An ADBench input file from this module's resources ({@code adbench/NAME}). */
        public static Problem adbench(String name) {
            String resource = "/adbench/" + name;
            InputStream in = Gmm.class.getResourceAsStream(resource);
            if (in == null) throw new IllegalArgumentException("no resource " + resource);
            return read(in);
        }

        /** ADBench's GMM text format: "d k n", alphas, means, icf, the n points, "gamma m". */
        public static Problem read(InputStream in) {
            List<Double> numbers = AdbenchText.numbers(in);
            int at = 0;
            int d = (int) (double) numbers.get(at++);
            int k = (int) (double) numbers.get(at++);
            int n = (int) (double) numbers.get(at++);
            int size = k + k * d + k * d * (d + 1) / 2;
            double[] params = new double[size];
            for (int i = 0; i < size; i++) params[i] = numbers.get(at++);
            double[] x = new double[n * d];
            for (int i = 0; i < n * d; i++) x[i] = numbers.get(at++);
            double gamma = numbers.get(at++);
            int m = (int) (double) numbers.get(at);
            return new Problem(d, k, params, x, gamma, m);
        }

        /** A seeded instance in the style of ADBench's generator. */
        public static Problem generated(int d, int k, int n, long seed) {
            Random r = new Random(seed);
            double[] params = new double[k + k * d + k * d * (d + 1) / 2];
            for (int i = 0; i < params.length; i++) params[i] = r.nextGaussian() * (i < k + k * d ? 1 : 0.5);
            double[] x = new double[n * d];
            for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
            return new Problem(d, k, params, x, 1.0, 0);
        }

        @Override public String name() { return "gmm"; }

        @Override
        public String description() {
            return "GMM log-posterior (ADBench), d = " + d + ", K = " + k + ", n = " + String.format("%,d", x.length / d);
        }

        @Override public double[] point() { return params.clone(); }
        @Override public double value(double[] p) { return objective(p, x, d, k, gamma, m, constant); }
        @Override public double[] manualGradient(double[] p) { return gradient(p, x, d, k, gamma, m); }

        @Override
        public double[] grad4jGradient(double[] p) {
            double[] data = x;
            int dd = d, kk = k, mm = m;
            double g = gamma, c = constant;
            return AD.gradient(q -> objective(q, data, dd, kk, g, mm, c), p);
        }
    }
}
