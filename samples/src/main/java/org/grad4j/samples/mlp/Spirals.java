package org.grad4j.samples.mlp;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Interleaved spiral arms in the plane, one class per arm: the classic data set no linear model
 * can separate. Generated deterministically from a seed; the points lie in about [-1, 1]².
 */
public final class Spirals {
    /** The points, one row each (n × 2). */
    public final double[][] points;
    /** The arm of each point, 0 to classes-1. */
    public final int[] labels;
    public final int classes;

    private Spirals(double[][] points, int[] labels, int classes) {
        this.points = points;
        this.labels = labels;
        this.classes = classes;
    }

    /**
     * {@code perClass} points on each of {@code classes} arms. A point at radius {@code r} in
     * (0, 1] has angle {@code 4r + 2πk/classes} plus Gaussian noise of {@code noise} radians.
     */
    public static Spirals generate(int classes, int perClass, double noise, long seed) {
        Random random = new Random(seed);
        int n = classes * perClass;
        double[][] points = new double[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int k = i % classes;   // interleaved, so any prefix is balanced
            double r = 0.05 + 0.95 * random.nextDouble();
            double angle = 4 * r + 2 * Math.PI * k / classes + noise * random.nextGaussian();
            points[i] = new double[] {r * Math.sin(angle), r * Math.cos(angle)};
            labels[i] = k;
        }
        return new Spirals(points, labels, classes);
    }

    public int size() {
        return labels.length;
    }

    /** The points as an n × 2 tensor. */
    public INDArray x(DataType type) {
        return Nd4j.create(points).castTo(type);
    }

    /** The labels as one-hot rows (n × classes). */
    public INDArray oneHot(DataType type) {
        double[][] y = new double[labels.length][classes];
        for (int i = 0; i < labels.length; i++) y[i][labels[i]] = 1;
        return Nd4j.create(y).castTo(type);
    }
}
