package org.grad4j.samples.logistic;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.grad4j.AD;
import org.grad4j.ValueAndGradient;
import org.grad4j.samples.support.Args;
import org.grad4j.samples.support.Chart;
import org.grad4j.samples.support.GradientCheck;
import org.grad4j.samples.support.Results;
import org.grad4j.samples.support.TrainingLog;

/**
 * Binary classification with logistic regression on quadratic features. The data set is
 * generated deterministically: points in the plane, labelled by whether they lie inside a
 * tilted ellipse, with 5% of the labels flipped. 400 examples train, 200 test. Trained by
 * gradient descent with momentum written out below.
 */
public final class LogisticRegressionSample {
    static final double L2 = 1e-3;

    private LogisticRegressionSample() {}

    /** {@code x, y, x², y², x·y}: a linear boundary in these is an ellipse in the plane. */
    static double[] features(double x, double y) {
        return new double[] {x, y, x * x, y * y, x * y};
    }

    /** Points in [-2, 2]², label 1 inside the ellipse, 5% of labels flipped. Returns {points, labels}. */
    static Object[] dataSet(int n, long seed) {
        Random random = new Random(seed);
        double[][] points = new double[n][];
        double[] labels = new double[n];
        for (int i = 0; i < n; i++) {
            double x = 4 * random.nextDouble() - 2, y = 4 * random.nextDouble() - 2;
            double u = 0.8 * x + 0.6 * y - 0.3, v = -0.6 * x + 0.8 * y + 0.2;
            boolean inside = u * u / 1.8 + v * v / 0.6 < 1;
            if (random.nextDouble() < 0.05) inside = !inside;
            points[i] = new double[] {x, y};
            labels[i] = inside ? 1 : 0;
        }
        return new Object[] {points, labels};
    }

    static double[][] featureRows(double[][] points) {
        double[][] rows = new double[points.length][];
        for (int i = 0; i < points.length; i++) rows[i] = features(points[i][0], points[i][1]);
        return rows;
    }

    public static void main(String[] argv) {
        Args args = new Args(argv);
        int epochs = args.integer("epochs", 200);
        Object[] train = dataSet(400, 7);
        Object[] test = dataSet(200, 8);
        double[][] trainPoints = (double[][]) train[0];
        double[][] xs = featureRows(trainPoints);
        double[] ys = (double[]) train[1];
        double[][] testXs = featureRows((double[][]) test[0]);
        double[] testYs = (double[]) test[1];

        double[] w = new double[6]; // five feature weights and a bias, all zero
        System.out.printf(Locale.ROOT, "Logistic regression: %d training and %d test examples, %d parameters%n",
                xs.length, testXs.length, w.length);
        Results results = new Results();
        if (args.flag("check-gradient")) {
            double[] probe = {0.3, -0.2, 0.5, -0.4, 0.1, 0.2};
            results.put("gradcheck.maxRelError", GradientCheck.compare("LogisticRegression.loss",
                    v -> LogisticRegression.loss(v, xs, ys, L2), probe));
        }

        double learningRate = 0.5, momentum = 0.9;
        double[] velocity = new double[w.length];
        TrainingLog log = new TrainingLog(epochs, args.integer("every", 20));
        for (int epoch = 0; epoch < epochs; epoch++) {
            ValueAndGradient vg = AD.valueAndGradient(v -> LogisticRegression.loss(v, xs, ys, L2), w);
            double[] g = vg.gradient();
            for (int j = 0; j < w.length; j++) {
                velocity[j] = momentum * velocity[j] - learningRate * g[j];
                w[j] += velocity[j];
            }
            log.record(epoch, vg.value(), String.format(Locale.ROOT, "train accuracy %5.1f%%",
                    100 * LogisticRegression.accuracy(w, xs, ys)));
        }
        double loss = LogisticRegression.loss(w, xs, ys, L2);
        double trainAccuracy = LogisticRegression.accuracy(w, xs, ys);
        double testAccuracy = LogisticRegression.accuracy(w, testXs, testYs);
        System.out.println();
        System.out.println("Summary");
        System.out.printf(Locale.ROOT, "  loss            %.4f -> %.4f%n", log.first(), loss);
        System.out.printf(Locale.ROOT, "  accuracy        train %.1f%%, test %.1f%% (5%% of labels are flipped)%n",
                100 * trainAccuracy, 100 * testAccuracy);
        System.out.printf(Locale.ROOT, "  weights         x %.3f  y %.3f  x² %.3f  y² %.3f  xy %.3f  bias %.3f%n",
                w[0], w[1], w[2], w[3], w[4], w[5]);
        System.out.printf(Locale.ROOT, "  time            %.2f s, %.2f ms per gradient%n", log.seconds(),
                1000 * log.seconds() / epochs);

        Path plot = args.path("plot");
        if (plot != null) {
            double[] losses = log.losses();
            Chart data = Chart.of("Training data and decision boundary", "x", "y");
            double[][] in = split(trainPoints, ys, 1), out = split(trainPoints, ys, 0);
            data.points(in[0], in[1], Chart.ORANGE, "class 1").points(out[0], out[1], Chart.BLUE, "class 0");
            double[][] boundary = boundary(w);
            data.points(boundary[0], boundary[1], Chart.RED, "boundary p = 0.5", 1.2);
            Chart.writePng(plot, Chart.of("Loss while training", "epoch", "loss").logY()
                    .line(Chart.index(losses.length), losses, Chart.BLUE, "training loss"), data);
            System.out.println("  plot            " + plot.toAbsolutePath().normalize());
        }
        results.put("loss.first", log.first()).put("loss.last", loss).put("accuracy.train", trainAccuracy)
                .put("accuracy.test", testAccuracy).put("seconds", log.seconds()).writeTo(args.path("results"));
    }

    private static double[][] split(double[][] points, double[] labels, int label) {
        return java.util.stream.IntStream.range(0, 2).mapToObj(c -> java.util.stream.IntStream.range(0, points.length)
                .filter(i -> labels[i] == label).mapToDouble(i -> points[i][c]).toArray()).toArray(double[][]::new);
    }

    /** Points where the predicted probability crosses 0.5, found on a grid. */
    private static double[][] boundary(double[] w) {
        java.util.List<double[]> found = new java.util.ArrayList<>();
        int n = 400;
        for (int i = 0; i < n; i++) {
            double x = -2 + 4.0 * i / (n - 1);
            boolean before = LogisticRegression.probability(w, features(x, -2)) > 0.5;
            for (int j = 1; j < n; j++) {
                double y = -2 + 4.0 * j / (n - 1);
                boolean now = LogisticRegression.probability(w, features(x, y)) > 0.5;
                if (now != before) found.add(new double[] {x, y});
                before = now;
            }
        }
        double[][] xy = new double[2][found.size()];
        for (int i = 0; i < found.size(); i++) { xy[0][i] = found.get(i)[0]; xy[1][i] = found.get(i)[1]; }
        return xy;
    }
}
