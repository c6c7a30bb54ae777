package org.grad4j.samples.logistic;

import org.grad4j.Differentiable;

/** Logistic regression: the mean negative log-likelihood with an L2 penalty, as a plain loop. */
public final class LogisticRegression {
    private LogisticRegression() {}

    /**
     * @param w weights, one per feature column, then the bias
     * @param xs one row of features per example
     * @param ys labels, 0 or 1
     * @param l2 strength of the penalty on the weights (not the bias)
     */
    @Differentiable
    public static double loss(double[] w, double[][] xs, double[] ys, double l2) {
        int features = w.length - 1;
        double nll = 0;
        for (int i = 0; i < xs.length; i++) {
            double z = w[features];
            for (int j = 0; j < features; j++) z += w[j] * xs[i][j];
            // log(1 + e^z) - y·z, written so that it cannot overflow
            double softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
            nll += softplus - ys[i] * z;
        }
        double penalty = 0;
        for (int j = 0; j < features; j++) penalty += w[j] * w[j];
        return nll / xs.length + 0.5 * l2 * penalty;
    }

    /** The predicted probability of class 1. Plain Java, also used after training. */
    public static double probability(double[] w, double[] x) {
        int features = w.length - 1;
        double z = w[features];
        for (int j = 0; j < features; j++) z += w[j] * x[j];
        return 1 / (1 + Math.exp(-z));
    }

    public static double accuracy(double[] w, double[][] xs, double[] ys) {
        int right = 0;
        for (int i = 0; i < xs.length; i++) if ((probability(w, xs[i]) > 0.5) == (ys[i] > 0.5)) right++;
        return (double) right / xs.length;
    }
}
