package org.grad4j.samples.treernn;

import java.util.Random;

/** A binary tree with a number at each leaf. Plain data: the model reads it, never writes it. */
public final class Tree {
    final Tree left;
    final Tree right;
    final double value;

    private Tree(Tree left, Tree right, double value) {
        this.left = left;
        this.right = right;
        this.value = value;
    }

    public static Tree leaf(double value) {
        return new Tree(null, null, value);
    }

    public static Tree node(Tree left, Tree right) {
        return new Tree(left, right, 0);
    }

    public boolean isLeaf() {
        return left == null;
    }

    /** A random tree with {@code leaves} leaves, each {@code ±(0.5..1.5)}, split at random points. */
    public static Tree random(int leaves, Random random) {
        if (leaves == 1) {
            double magnitude = 0.5 + random.nextDouble();
            return leaf(random.nextBoolean() ? magnitude : -magnitude);
        }
        int leftLeaves = 1 + random.nextInt(leaves - 1);
        return node(random(leftLeaves, random), random(leaves - leftLeaves, random));
    }

    /** The sum of the leaves. */
    public double sum() {
        return isLeaf() ? value : left.sum() + right.sum();
    }

    public int leaves() {
        return isLeaf() ? 1 : left.leaves() + right.leaves();
    }

    public int depth() {
        return isLeaf() ? 0 : 1 + Math.max(left.depth(), right.depth());
    }

    @Override
    public String toString() {
        return isLeaf() ? String.format(java.util.Locale.ROOT, "%.2f", value) : "(" + left + " " + right + ")";
    }
}
