package org.grad4j.samples.curvefit;

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
 * Nonlinear least squares: fit {@code y = a·exp(-b·t)·sin(c·t + d)} to 200 noisy measurements of
 * a damped oscillation with Adam. grad4j differentiates the loss, a plain loop over the data
 * that calls the model method.
 */
public final class CurveFitSample {
    static final double[] TRUE_PARAMS = {2.5, 0.3, 2.0, 0.5};
    static final double NOISE = 0.05;

    private CurveFitSample() {}

    public static void main(String[] argv) {
        Args args = new Args(argv);
        int epochs = args.integer("epochs", 400);
        int n = 200;
        double[] ts = new double[n];
        double[] ys = new double[n];
        Random random = new Random(42);
        for (int i = 0; i < n; i++) {
            ts[i] = 10.0 * i / (n - 1);
            ys[i] = DampedOscillation.model(TRUE_PARAMS, ts[i]) + NOISE * random.nextGaussian();
        }
        double[] p = {1.0, 0.1, 1.7, 0.0}; // a rough guess: amplitude, damping, frequency, phase
        double[] start = p.clone();

        System.out.printf(Locale.ROOT, "Fitting y = a*exp(-b*t)*sin(c*t + d) to %d points (noise sd %.2f)%n", n, NOISE);
        Results results = new Results();
        if (args.flag("check-gradient")) {
            results.put("gradcheck.maxRelError", GradientCheck.compare("DampedOscillation.loss",
                    q -> DampedOscillation.loss(q, ts, ys), p));
        }
        Adam adam = new Adam(p.length, 0.05);
        TrainingLog log = new TrainingLog(epochs, args.integer("every", 25));
        for (int epoch = 0; epoch < epochs; epoch++) {
            adam.learningRate(0.05 * Math.pow(0.02, (double) epoch / epochs)); // anneal 0.05 -> 0.001
            ValueAndGradient vg = AD.valueAndGradient(q -> DampedOscillation.loss(q, ts, ys), p);
            log.record(epoch, vg.value(), String.format(Locale.ROOT, "a %.4f  b %.4f  c %.4f  d %.4f", p[0], p[1], p[2], p[3]));
            adam.step(p, vg.gradient());
        }
        double loss = DampedOscillation.loss(p, ts, ys);
        System.out.println();
        System.out.println("Summary");
        System.out.printf(Locale.ROOT, "  fitted  a %.4f  b %.4f  c %.4f  d %.4f%n", p[0], p[1], p[2], p[3]);
        System.out.printf(Locale.ROOT, "  true    a %.4f  b %.4f  c %.4f  d %.4f%n", TRUE_PARAMS[0], TRUE_PARAMS[1],
                TRUE_PARAMS[2], TRUE_PARAMS[3]);
        System.out.printf(Locale.ROOT, "  mse     %.3e -> %.3e (noise variance %.3e)%n", log.first(), loss, NOISE * NOISE);
        System.out.printf(Locale.ROOT, "  time    %.2f s, %.2f ms per gradient%n", log.seconds(), 1000 * log.seconds() / epochs);

        Path plot = args.path("plot");
        if (plot != null) {
            double[] fine = new double[500];
            double[] fitted = new double[fine.length];
            double[] guess = new double[fine.length];
            for (int i = 0; i < fine.length; i++) {
                fine[i] = 10.0 * i / (fine.length - 1);
                fitted[i] = DampedOscillation.model(p, fine[i]);
                guess[i] = DampedOscillation.model(start, fine[i]);
            }
            double[] losses = log.losses();
            Chart.writePng(plot,
                    Chart.of("Loss while fitting", "epoch", "mean squared error").logY()
                            .line(Chart.index(losses.length), losses, Chart.BLUE, "loss"),
                    Chart.of("Data and model", "t", "y")
                            .points(ts, ys, Chart.GREY, "data")
                            .line(fine, guess, Chart.ORANGE, "first guess")
                            .line(fine, fitted, Chart.BLUE, "fitted"));
            System.out.println("  plot    " + plot.toAbsolutePath().normalize());
        }
        results.put("a", p[0]).put("b", p[1]).put("c", p[2]).put("d", p[3]).put("loss.first", log.first())
                .put("loss.last", loss).put("seconds", log.seconds()).writeTo(args.path("results"));
    }
}
