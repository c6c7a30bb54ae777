package org.grad4j.samples.treernn;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.grad4j.AD;
import org.grad4j.ValueAndGradient;
import org.grad4j.samples.support.Adam;
import org.grad4j.samples.support.Args;
import org.grad4j.samples.support.Chart;
import org.grad4j.samples.support.GradientCheck;
import org.grad4j.samples.support.Results;
import org.grad4j.samples.support.TrainingLog;

/**
 * Train the {@link TreeRnn} to tell whether the leaves of a random tree add up to more than
 * zero. The trees have 2 to 12 leaves and all shapes; the model must carry the sum up through
 * the tree, one shared cell per node, and the gradient follows each tree's recursion.
 */
public final class TreeRnnSample {
    private TreeRnnSample() {}

    static Tree[] forest(int n, Random random) {
        Tree[] trees = new Tree[n];
        for (int i = 0; i < n; i++) trees[i] = Tree.random(2 + random.nextInt(11), random);
        return trees;
    }

    static double[] labels(Tree[] trees) {
        double[] y = new double[trees.length];
        for (int i = 0; i < trees.length; i++) y[i] = trees[i].sum() > 0 ? 1 : 0;
        return y;
    }

    public static void main(String[] argv) {
        Args args = new Args(argv);
        int epochs = args.integer("epochs", 300);
        Random random = new Random(2018);
        Tree[] train = forest(500, random);
        Tree[] test = forest(500, random);
        double[] trainLabels = labels(train);
        double[] testLabels = labels(test);
        double[] w = new double[TreeRnn.PARAMETERS];
        // small random weights, but the children's weights start near 1, so that a deep tree's leaves
        // reach the root at the start (the identity initialisation of recurrent networks)
        for (int i = 0; i < w.length; i++) w[i] = 0.3 * random.nextGaussian();
        w[2] += 1;
        w[3] += 1;

        int leaves = 0, depth = 0;
        for (Tree t : train) { leaves += t.leaves(); depth = Math.max(depth, t.depth()); }
        System.out.printf(Locale.ROOT, "Tree-RNN: %d training trees (%d leaves, depth up to %d), %d test trees; "
                + "label: do the leaves add up to more than 0?%n", train.length, leaves, depth, test.length);
        System.out.println("  e.g. " + train[0] + " -> " + (int) trainLabels[0]);
        Results results = new Results();
        if (args.flag("check-gradient")) {
            results.put("gradcheck.maxRelError", GradientCheck.compare("TreeRnn.loss",
                    v -> TreeRnn.loss(v, train, trainLabels), w));
        }

        Adam adam = new Adam(w.length, 0.05);
        TrainingLog log = new TrainingLog(epochs, args.integer("every", 20));
        for (int epoch = 0; epoch < epochs; epoch++) {
            ValueAndGradient vg = AD.valueAndGradient(v -> TreeRnn.loss(v, train, trainLabels), w);
            adam.step(w, vg.gradient());
            log.record(epoch, vg.value(), String.format(Locale.ROOT, "train accuracy %5.1f%%",
                    100 * TreeRnn.accuracy(w, train, trainLabels)));
        }
        double loss = TreeRnn.loss(w, train, trainLabels);
        double trainAccuracy = TreeRnn.accuracy(w, train, trainLabels);
        double testAccuracy = TreeRnn.accuracy(w, test, testLabels);
        System.out.println();
        System.out.println("Summary");
        System.out.printf(Locale.ROOT, "  loss            %.4f -> %.4f%n", log.first(), loss);
        System.out.printf(Locale.ROOT, "  accuracy        train %.1f%%, test %.1f%% (chance 50%%)%n",
                100 * trainAccuracy, 100 * testAccuracy);
        System.out.printf(Locale.ROOT, "  cell weights    %s%n", java.util.Arrays.toString(
                java.util.Arrays.stream(w).map(v -> Math.round(v * 1000) / 1000.0).toArray()));
        System.out.printf(Locale.ROOT, "  time            %.2f s, %.2f ms per gradient over %d trees%n", log.seconds(),
                1000 * log.seconds() / epochs, train.length);
        Path plot = args.path("plot");
        if (plot != null) {
            double[] losses = log.losses();
            Chart.of("Tree-RNN loss", "epoch", "cross-entropy").logY()
                    .line(Chart.index(losses.length), losses, Chart.BLUE, "training loss").writePng(plot);
            System.out.println("  plot            " + plot.toAbsolutePath().normalize());
        }
        results.put("loss.first", log.first()).put("loss.last", loss).put("accuracy.train", trainAccuracy)
                .put("accuracy.test", testAccuracy).put("seconds", log.seconds()).writeTo(args.path("results"));
    }
}
