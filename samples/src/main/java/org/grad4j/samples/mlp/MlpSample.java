package org.grad4j.samples.mlp;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.grad4j.Model;
import org.grad4j.Optimizer;
import org.grad4j.ParameterGradients;
import org.grad4j.samples.support.Args;
import org.grad4j.samples.support.Chart;
import org.grad4j.samples.support.Results;
import org.grad4j.samples.support.TrainingLog;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Train an {@link Mlp} (2-64-64-3, tanh) on three interleaved spirals with mini-batch Adam.
 * Every gradient is {@code Model.gradient(net, m -> m.loss(x, y))}: grad4j differentiates the
 * ND4J code of {@link Mlp#loss} as written and returns one gradient per {@code @Parameter}
 * field; {@code Optimizer.adam} updates the fields in place. Trains in float32 (ND4J's
 * default); {@code --dtype=double} trains in float64. {@code --check-gradient} first compares
 * grad4j's gradient with central differences on a float64 copy of the network.
 *
 * <p>Options besides the samples' usual ones ({@code --epochs}, {@code --plot}, {@code --results},
 * {@code --check-gradient}, {@code --every}): {@code --batch=100}, {@code --lr=0.02},
 * {@code --dtype=float|double}, {@code --noise=0.3} (radians of angular noise on the spirals).
 *
 * <p>For small tensors run with {@code OMP_NUM_THREADS=1}: ND4J's default of one OpenMP thread
 * per core makes 64-wide operations slower, not faster ({@code ./demo.sh mlp} sets it).
 */
public final class MlpSample {
    static final int CLASSES = 3;
    static final int HIDDEN = 64;

    private MlpSample() {}

    public static void main(String[] argv) {
        Args args = new Args(argv);
        int epochs = args.integer("epochs", 40);
        int batch = args.integer("batch", 100);
        double learningRate = Double.parseDouble(args.string("lr", "0.02"));
        DataType type = "double".equals(args.string("dtype", "float")) ? DataType.DOUBLE : DataType.FLOAT;

        double noise = Double.parseDouble(args.string("noise", "0.3"));
        Spirals train = Spirals.generate(CLASSES, 300, noise, 2024);
        Spirals test = Spirals.generate(CLASSES, 300, noise, 2025);
        INDArray x = train.x(type), y = train.oneHot(type);
        INDArray testX = test.x(type);
        Mlp net = new Mlp(type, 2, HIDDEN, CLASSES, 7);
        System.out.printf(Locale.ROOT, "MLP on ND4J (%s): 2-%d-%d-%d tanh, %d parameters; %d training and %d test points "
                + "on %d spiral arms; Adam, lr %s, batches of %d%n", type.name().toLowerCase(Locale.ROOT), HIDDEN, HIDDEN,
                CLASSES, net.size(), train.size(), test.size(), CLASSES, learningRate, batch);

        Results results = new Results();
        if (args.flag("check-gradient")) {
            // float64, so that central differences are accurate to ~1e-10
            Mlp probe = net.copy(DataType.DOUBLE);
            INDArray bx = x.get(NDArrayIndex.interval(0, 64), NDArrayIndex.all()).castTo(DataType.DOUBLE);
            INDArray by = y.get(NDArrayIndex.interval(0, 64), NDArrayIndex.all()).castTo(DataType.DOUBLE);
            results.put("gradcheck.maxRelError", TensorGradientCheck.compare(probe, bx, by, 4));
        }

        double initialLoss = net.loss(x, y);
        Optimizer adam = Optimizer.adam(learningRate);
        Random shuffle = new Random(1);
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        TrainingLog log = new TrainingLog(epochs, args.integer("every", 4));
        long gradients = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            shuffle(order, shuffle);
            INDArray xs = x.getRows(order), ys = y.getRows(order);   // one copy per epoch; batches are views of it
            double sum = 0;
            int batches = 0;
            for (int start = 0; start < order.length; start += batch) {
                INDArrayIndex rows = NDArrayIndex.interval(start, Math.min(order.length, start + batch));
                INDArray bx = xs.get(rows, NDArrayIndex.all()), by = ys.get(rows, NDArrayIndex.all());
                ParameterGradients g = Model.gradient(net, m -> m.loss(bx, by));
                adam.step(g);
                sum += g.value();
                batches++;
                gradients++;
            }
            log.record(epoch, sum / batches, String.format(Locale.ROOT, "test accuracy %5.1f%%",
                    100 * net.accuracy(testX, test.labels)));
        }
        double seconds = log.seconds();
        double loss = net.loss(x, y);
        double trainAccuracy = net.accuracy(x, train.labels);
        double testAccuracy = net.accuracy(testX, test.labels);
        System.out.println();
        System.out.println("Summary");
        System.out.printf(Locale.ROOT, "  loss            %.4f -> %.4f (cross-entropy on the whole training set; chance is ln 3 = %.4f)%n",
                initialLoss, loss, Math.log(CLASSES));
        System.out.printf(Locale.ROOT, "  accuracy        train %.1f%%, test %.1f%% (chance 33.3%%)%n",
                100 * trainAccuracy, 100 * testAccuracy);
        System.out.printf(Locale.ROOT, "  time            %.2f s, %.2f ms per training step (gradient and Adam update; %d steps)%n", seconds,
                1000 * seconds / gradients, gradients);

        Path plot = args.path("plot");
        if (plot != null) {
            double[] losses = log.losses();
            Chart.writePng(plot, Chart.of("Loss while training", "epoch", "mean mini-batch loss").logY()
                    .line(Chart.index(losses.length), losses, Chart.BLUE, "training loss"), regions(net, test, type));
            System.out.println("  plot            " + plot.toAbsolutePath().normalize());
        }
        results.put("loss.first", initialLoss).put("loss.last", loss).put("accuracy.train", trainAccuracy)
                .put("accuracy.test", testAccuracy).put("seconds", seconds).put("gradients", gradients)
                .writeTo(args.path("results"));
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static final Color[] COLORS = {Chart.BLUE, Chart.ORANGE, Chart.GREEN};

    /** The test points over the classes the network predicts on a grid. */
    private static Chart regions(Mlp net, Spirals test, DataType type) {
        int n = 70;
        double[][] grid = new double[n * n][];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) grid[i * n + j] = new double[] {-1.1 + 2.2 * i / (n - 1), -1.1 + 2.2 * j / (n - 1)};
        }
        int[] predicted = net.predict(Nd4j.create(grid).castTo(type));
        Chart chart = Chart.of("Test points and predicted classes", "x", "y");
        for (int k = 0; k < CLASSES; k++) {
            List<double[]> cells = new ArrayList<>();
            for (int c = 0; c < grid.length; c++) if (predicted[c] == k) cells.add(grid[c]);
            Color light = blend(COLORS[k], 0.25);
            chart.points(column(cells, 0), column(cells, 1), light, null, 4);
        }
        for (int k = 0; k < CLASSES; k++) {
            List<double[]> points = new ArrayList<>();
            for (int i = 0; i < test.size(); i++) if (test.labels[i] == k) points.add(test.points[i]);
            chart.points(column(points, 0), column(points, 1), COLORS[k], "class " + k, 2.5);
        }
        return chart;
    }

    private static double[] column(List<double[]> rows, int c) {
        return rows.stream().mapToDouble(r -> r[c]).toArray();
    }

    private static Color blend(Color c, double amount) {
        return new Color((int) (255 - amount * (255 - c.getRed())), (int) (255 - amount * (255 - c.getGreen())),
                (int) (255 - amount * (255 - c.getBlue())));
    }
}
