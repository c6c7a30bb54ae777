package org.grad4j.benchmarks.kernels;

import java.util.Random;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.benchmarks.Kernel;

/**
 * A recursive tree model: a full binary tree of the given depth, evaluated by a recursive
 * {@code @Differentiable} method. Node {@code i} (children {@code 2i+1}, {@code 2i+2}) has two
 * weights {@code w[2i]}, {@code w[2i+1]}; an inner node is {@code tanh(w[2i] left + w[2i+1] right)},
 * a leaf {@code tanh(w[2i] x + w[2i+1])} of an input {@code x}; the loss is the squared error of the
 * root against a target.
 */
public final class Tree {
    private Tree() {}

    @Differentiable
    public static double loss(double[] w, double[] inputs, int depth, double target) {
        double e = node(w, inputs, 0, depth) - target;
        return e * e;
    }

    @Differentiable
    static double node(double[] w, double[] inputs, int i, int depth) {
        if (depth == 0) return Math.tanh(w[2 * i] * inputs[i % inputs.length] + w[2 * i + 1]);
        double left = node(w, inputs, 2 * i + 1, depth - 1);
        double right = node(w, inputs, 2 * i + 2, depth - 1);
        return Math.tanh(w[2 * i] * left + w[2 * i + 1] * right);
    }

    /**
     * Hand-written adjoint, not recursive: the nodes' values bottom-up into an array (children have
     * larger indices), then their adjoints top-down.
     */
    public static double[] gradient(double[] w, double[] inputs, int depth, double target) {
        int nodes = (1 << (depth + 1)) - 1;
        int firstLeaf = (1 << depth) - 1;
        double[] value = new double[nodes];
        for (int i = nodes - 1; i >= 0; i--) {
            double z = i >= firstLeaf
                    ? w[2 * i] * inputs[i % inputs.length] + w[2 * i + 1]
                    : w[2 * i] * value[2 * i + 1] + w[2 * i + 1] * value[2 * i + 2];
            value[i] = Math.tanh(z);
        }
        double[] g = new double[w.length];
        double[] adj = new double[nodes];
        adj[0] = 2 * (value[0] - target);
        for (int i = 0; i < nodes; i++) {
            double dz = adj[i] * (1 - value[i] * value[i]);
            if (i >= firstLeaf) {
                g[2 * i] += dz * inputs[i % inputs.length];
                g[2 * i + 1] += dz;
            } else {
                g[2 * i] += dz * value[2 * i + 1];
                g[2 * i + 1] += dz * value[2 * i + 2];
                adj[2 * i + 1] += dz * w[2 * i];
                adj[2 * i + 2] += dz * w[2 * i + 1];
            }
        }
        return g;
    }

    public static final class Problem implements Kernel {
        final int depth;
        final double[] w;
        final double[] inputs;
        final double target = 0.3;

        public Problem(int depth) {
            this.depth = depth;
            Random r = new Random(12);
            int nodes = (1 << (depth + 1)) - 1;
            w = new double[2 * nodes];
            for (int i = 0; i < w.length; i++) w[i] = 0.4 + 0.5 * r.nextDouble();
            inputs = new double[1 << depth];
            for (int i = 0; i < inputs.length; i++) inputs[i] = r.nextGaussian();
        }

        @Override public String name() { return "tree"; }

        @Override
        public String description() {
            return "recursive tree model, depth " + depth + " (" + String.format("%,d", (1 << (depth + 1)) - 1) + " calls)";
        }

        @Override public double[] point() { return w.clone(); }
        @Override public double value(double[] p) { return loss(p, inputs, depth, target); }
        @Override public double[] manualGradient(double[] p) { return gradient(p, inputs, depth, target); }

        @Override
        public double[] grad4jGradient(double[] p) {
            double[] in = inputs;
            int dd = depth;
            double tt = target;
            return AD.gradient(q -> loss(q, in, dd, tt), p);
        }
    }
}
