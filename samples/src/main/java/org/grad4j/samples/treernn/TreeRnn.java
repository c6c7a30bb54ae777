package org.grad4j.samples.treernn;

import org.grad4j.Differentiable;

/**
 * A recursive neural network over binary trees (in the spirit of Lantern's TreeLSTM, with a
 * scalar state): one shared cell with its weights in {@code w}, applied at every node, bottom up.
 *
 * <pre>
 * leaf:  h = tanh(w0·value + w1)
 * node:  h = tanh(w2·h(left) + w3·h(right) + w4·h(left)·h(right) + w5)
 * root:  p = sigmoid(w6·h(root) + w7)
 * </pre>
 *
 * The recursion is plain Java recursion; in the gradient it is too: each node's frame keeps
 * the values its adjoint needs until the rest of the forest has been run forward and back.
 */
public final class TreeRnn {
    public static final int PARAMETERS = 8;

    private TreeRnn() {}

    /** The cell applied recursively: the hidden state of {@code t}. */
    @Differentiable
    public static double hidden(double[] w, Tree t) {
        if (t.isLeaf()) {
            return Math.tanh(w[0] * t.value + w[1]);
        }
        double l = hidden(w, t.left);
        double r = hidden(w, t.right);
        return Math.tanh(w[2] * l + w[3] * r + w[4] * l * r + w[5]);
    }

    /** The logit of class 1 for tree {@code t}. */
    @Differentiable
    public static double logit(double[] w, Tree t) {
        return w[6] * hidden(w, t) + w[7];
    }

    /** Mean cross-entropy over the trees; {@code labels[i]} is 0 or 1. */
    @Differentiable
    public static double loss(double[] w, Tree[] trees, double[] labels) {
        double sum = 0;
        for (int i = 0; i < trees.length; i++) {
            double z = logit(w, trees[i]);
            double softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
            sum += softplus - labels[i] * z;
        }
        return sum / trees.length;
    }

    public static double accuracy(double[] w, Tree[] trees, double[] labels) {
        int right = 0;
        for (int i = 0; i < trees.length; i++) if ((logit(w, trees[i]) > 0) == (labels[i] > 0.5)) right++;
        return (double) right / trees.length;
    }
}
