package org.grad4j.benchmarks.kernels;

import java.io.InputStream;
import java.util.List;
import java.util.Random;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.benchmarks.Kernel;

/**
 * The LSTM objective of ADBench ({@code lstm_objective} of its C++ reference) in plain loops over
 * {@code double[]}: {@code layers} stacked cells with diagonal (element-wise) weights, hidden
 * size {@code b}, run over a sequence of {@code steps + 1} one-hot-ish vectors, predicting each
 * next vector; the loss is the mean negative log-softmax likelihood (with ADBench's
 * {@code log(2 + sum exp)} in place of log-sum-exp).
 *
 * <p>Parameters, one vector in ADBench's flat order: for each layer its 4b weights (forget,
 * input, output, change) then its 4b biases; then the 3b extra parameters (input weights, output
 * weights, output biases). The initial state (hidden and cell of each layer) and the sequence are
 * data; the state is copied, so calls do not change it.
 */
public final class Lstm {
    private Lstm() {}

    @Differentiable
    public static double objective(double[] p, double[][] sequence, double[][] state, int layers) {
        int b = sequence[0].length;
        double[][] hidden = new double[layers][b];
        double[][] cell = new double[layers][b];
        for (int layer = 0; layer < layers; layer++) {
            for (int i = 0; i < b; i++) {
                hidden[layer][i] = state[2 * layer][i];
                cell[layer][i] = state[2 * layer + 1][i];
            }
        }
        int extra = layers * 8 * b;
        double[] x2 = new double[b];
        double[] ypred = new double[b];
        double total = 0;
        int count = 0;
        for (int t = 0; t + 1 < sequence.length; t++) {
            double[] input = sequence[t];
            for (int i = 0; i < b; i++) x2[i] = input[i] * p[extra + i];
            double[] xp = x2;
            for (int layer = 0; layer < layers; layer++) {
                int w = layer * 8 * b;
                int bias = w + 4 * b;
                double[] h = hidden[layer];
                double[] c = cell[layer];
                for (int i = 0; i < b; i++) {
                    double forget = sigmoid(xp[i] * p[w + i] + p[bias + i]);
                    double ingate = sigmoid(h[i] * p[w + b + i] + p[bias + b + i]);
                    double outgate = sigmoid(xp[i] * p[w + 2 * b + i] + p[bias + 2 * b + i]);
                    double change = Math.tanh(h[i] * p[w + 3 * b + i] + p[bias + 3 * b + i]);
                    c[i] = c[i] * forget + ingate * change;
                    h[i] = outgate * Math.tanh(c[i]);
                }
                xp = h;
            }
            for (int i = 0; i < b; i++) ypred[i] = xp[i] * p[extra + b + i] + p[extra + 2 * b + i];
            double lse = logsumexp(ypred);
            double[] gold = sequence[t + 1];
            for (int i = 0; i < b; i++) total += gold[i] * (ypred[i] - lse);
            count += b;
        }
        return -total / count;
    }

    /** ADBench's LSTM log-sum-exp, with its quirk: {@code log(2 + sum exp v)} (ADBench issue 143), no max shift. */
    @Differentiable
    static double logsumexp(double[] v) {
        double s = 0;
        for (int i = 0; i < v.length; i++) s += Math.exp(v[i]);
        return Math.log(s + 2);
    }

    @Differentiable
    static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /**
     * Hand-written adjoint: the forward pass records, per step and layer, the cell's input, the old
     * hidden and cell values, the four gates and tanh of the new cell; the reverse pass runs the
     * steps backwards.
     */
    public static double[] gradient(double[] p, double[][] sequence, double[][] state, int layers) {
        int b = sequence[0].length;
        int steps = sequence.length - 1;
        int extra = layers * 8 * b;
        double[] g = new double[p.length];
        // tape[t][layer][...]: input, hOld, cOld, forget, ingate, outgate, change, tanh(cNew), each b long
        double[][][] tape = new double[steps][layers][8 * b];
        double[] y = new double[b];
        double[][] softmax = new double[steps][b];
        double[][] hidden = new double[layers][b];
        double[][] cell = new double[layers][b];
        for (int layer = 0; layer < layers; layer++) {
            for (int i = 0; i < b; i++) {
                hidden[layer][i] = state[2 * layer][i];
                cell[layer][i] = state[2 * layer + 1][i];
            }
        }
        int count = 0;
        for (int t = 0; t < steps; t++) {
            double[] input = sequence[t];
            for (int layer = 0; layer < layers; layer++) {
                double[] r = tape[t][layer];
                int w = layer * 8 * b;
                int bias = w + 4 * b;
                double[] h = hidden[layer];
                double[] c = cell[layer];
                for (int i = 0; i < b; i++) {
                    double xi = layer == 0 ? input[i] * p[extra + i] : hidden[layer - 1][i];
                    double forget = sigmoid(xi * p[w + i] + p[bias + i]);
                    double ingate = sigmoid(h[i] * p[w + b + i] + p[bias + b + i]);
                    double outgate = sigmoid(xi * p[w + 2 * b + i] + p[bias + 2 * b + i]);
                    double change = Math.tanh(h[i] * p[w + 3 * b + i] + p[bias + 3 * b + i]);
                    double cNew = c[i] * forget + ingate * change;
                    double tc = Math.tanh(cNew);
                    r[i] = xi;
                    r[b + i] = h[i];
                    r[2 * b + i] = c[i];
                    r[3 * b + i] = forget;
                    r[4 * b + i] = ingate;
                    r[5 * b + i] = outgate;
                    r[6 * b + i] = change;
                    r[7 * b + i] = tc;
                    c[i] = cNew;
                    h[i] = outgate * tc;
                }
            }
            double[] top = hidden[layers - 1];
            for (int i = 0; i < b; i++) y[i] = top[i] * p[extra + b + i] + p[extra + 2 * b + i];
            double s = 2;
            for (int i = 0; i < b; i++) s += Math.exp(y[i]);
            for (int i = 0; i < b; i++) softmax[t][i] = Math.exp(y[i]) / s; // d logsumexp / d y_i
            count += b;
        }
        double scale = -1.0 / count;
        double[][] dh = new double[layers][b];
        double[][] dc = new double[layers][b];
        double[] dx = new double[b];
        for (int t = steps - 1; t >= 0; t--) {
            double[] gold = sequence[t + 1];
            double goldSum = 0;
            for (int i = 0; i < b; i++) goldSum += gold[i];
            double[] topTape = tape[t][layers - 1];
            double[] dtop = dh[layers - 1];
            for (int i = 0; i < b; i++) {
                // total += gold . (y - lse(y)): d/dy_i = gold_i - goldSum * softmax_i
                double dy = scale * (gold[i] - goldSum * softmax[t][i]);
                double top = topTape[5 * b + i] * topTape[7 * b + i]; // the top layer's new hidden value
                g[extra + b + i] += dy * top;
                g[extra + 2 * b + i] += dy;
                dtop[i] += dy * p[extra + b + i];
            }
            for (int layer = layers - 1; layer >= 0; layer--) {
                double[] r = tape[t][layer];
                int w = layer * 8 * b;
                int bias = w + 4 * b;
                double[] dhl = dh[layer];
                double[] dcl = dc[layer];
                for (int i = 0; i < b; i++) {
                    double xi = r[i], hOld = r[b + i], cOld = r[2 * b + i];
                    double forget = r[3 * b + i], ingate = r[4 * b + i], outgate = r[5 * b + i];
                    double change = r[6 * b + i], tc = r[7 * b + i];
                    double dhNew = dhl[i];
                    double dOut = dhNew * tc;
                    double dcNew = dcl[i] + dhNew * outgate * (1 - tc * tc);
                    double dForget = dcNew * cOld;
                    double dIn = dcNew * change;
                    double dChange = dcNew * ingate;
                    double zf = dForget * forget * (1 - forget);
                    double zi = dIn * ingate * (1 - ingate);
                    double zo = dOut * outgate * (1 - outgate);
                    double zc = dChange * (1 - change * change);
                    g[w + i] += zf * xi;
                    g[bias + i] += zf;
                    g[w + b + i] += zi * hOld;
                    g[bias + b + i] += zi;
                    g[w + 2 * b + i] += zo * xi;
                    g[bias + 2 * b + i] += zo;
                    g[w + 3 * b + i] += zc * hOld;
                    g[bias + 3 * b + i] += zc;
                    dx[i] = zf * p[w + i] + zo * p[w + 2 * b + i];
                    dhl[i] = zi * p[w + b + i] + zc * p[w + 3 * b + i];
                    dcl[i] = dcNew * forget;
                }
                if (layer > 0) {
                    for (int i = 0; i < b; i++) dh[layer - 1][i] += dx[i];
                } else {
                    double[] input = sequence[t];
                    for (int i = 0; i < b; i++) g[extra + i] += dx[i] * input[i];
                }
            }
        }
        return g;
    }

    public static final class Problem implements Kernel {
        final int layers;
        final double[] params;
        final double[][] state;
        final double[][] sequence;

        Problem(int layers, double[] params, double[][] state, double[][] sequence) {
            this.layers = layers;
            this.params = params;
            this.state = state;
            this.sequence = sequence;
        }

        /**
         * A seeded instance like ADBench's generator: parameters and state uniform in [0, 1), the
         * sequence of {@code steps + 1} vectors uniform in [0, 1).
         */
        public static Problem generated(int layers, int hidden, int steps, long seed) {
            Random r = new Random(seed);
            double[] params = new double[layers * 8 * hidden + 3 * hidden];
            for (int i = 0; i < params.length; i++) params[i] = r.nextDouble();
            double[][] state = new double[2 * layers][hidden];
            for (double[] row : state) for (int i = 0; i < hidden; i++) row[i] = r.nextDouble();
            double[][] sequence = new double[steps + 1][hidden];
            for (double[] row : sequence) for (int i = 0; i < hidden; i++) row[i] = r.nextDouble();
            return new Problem(layers, params, state, sequence);
        }

        /** ADBench's LSTM text format: "l c b", main params (2l rows of 4b), extra (3 rows of b), state (2l rows of b), sequence (c rows of b). */
        public static Problem read(InputStream in) {
            List<Double> numbers = AdbenchText.numbers(in);
            int at = 0;
            int l = (int) (double) numbers.get(at++);
            int c = (int) (double) numbers.get(at++);
            int b = (int) (double) numbers.get(at++);
            double[] params = new double[l * 8 * b + 3 * b];
            for (int i = 0; i < params.length; i++) params[i] = numbers.get(at++);
            double[][] state = new double[2 * l][b];
            for (double[] row : state) for (int i = 0; i < b; i++) row[i] = numbers.get(at++);
            double[][] sequence = new double[c][b];
            for (double[] row : sequence) for (int i = 0; i < b; i++) row[i] = numbers.get(at++);
            return new Problem(l, params, state, sequence);
        }

        @Override public String name() { return "lstm"; }

        @Override
        public String description() {
            return "LSTM (ADBench), " + layers + " layers, hidden " + sequence[0].length + ", " + (sequence.length - 1) + " steps";
        }

        @Override public double[] point() { return params.clone(); }
        @Override public double value(double[] p) { return objective(p, sequence, state, layers); }
        @Override public double[] manualGradient(double[] p) { return gradient(p, sequence, state, layers); }

        @Override
        public double[] grad4jGradient(double[] p) {
            double[][] seq = sequence;
            double[][] s0 = state;
            int l = layers;
            return AD.gradient(q -> objective(q, seq, s0, l), p);
        }
    }
}
