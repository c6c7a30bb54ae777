package org.grad4j.samples.simulation;

import java.nio.file.Path;
import java.util.Locale;
import org.grad4j.AD;
import org.grad4j.ValueAndGradient;
import org.grad4j.samples.support.Adam;
import org.grad4j.samples.support.Args;
import org.grad4j.samples.support.Chart;
import org.grad4j.samples.support.GradientCheck;
import org.grad4j.samples.support.Results;
import org.grad4j.samples.support.TrainingLog;

/**
 * Time on target: aim a cannon (muzzle speed and elevation) so that its shell, flying through
 * air with drag against a head wind, lands at a given distance at a given time. Every gradient
 * differentiates the whole flight, about 100,000 integration steps: one JVM frame per step holds
 * what the reverse pass needs.
 *
 * <pre>java -javaagent:agent/target/grad4j-agent.jar -cp samples/target/classes:runtime/target/classes \
 *     org.grad4j.samples.simulation.CannonSample --plot=cannon.png</pre>
 */
public final class CannonSample {
    static final double TARGET_DISTANCE = 300.0;
    static final double TARGET_TIME = 8.0;

    private CannonSample() {}

    public static void main(String[] argv) {
        Args args = new Args(argv);
        int epochs = args.integer("epochs", 200);
        double[] shot = {60.0, 30.0}; // a first guess: 60 m/s at 30 degrees
        double[] firstShot = shot.clone();

        System.out.printf(Locale.ROOT, "Time on target: land %.0f m away after %.1f s (drag, %.0f m/s head wind, dt %.0e s)%n",
                TARGET_DISTANCE, TARGET_TIME, -Cannon.WIND, Cannon.DT);
        Results results = new Results();
        if (args.flag("check-gradient")) {
            results.put("gradcheck.maxRelError", GradientCheck.compare("Cannon.miss",
                    s -> Cannon.miss(s, TARGET_DISTANCE, TARGET_TIME), shot));
        }

        Adam adam = new Adam(shot.length, 1.0);
        TrainingLog log = new TrainingLog(epochs, args.integer("every", 10));
        for (int epoch = 0; epoch < epochs; epoch++) {
            adam.learningRate(Math.pow(0.1, (double) epoch / epochs)); // anneal the step 1 -> 0.1
            ValueAndGradient vg = AD.valueAndGradient(s -> Cannon.miss(s, TARGET_DISTANCE, TARGET_TIME), shot);
            double[] landing = Cannon.path(shot, Cannon.MAX_STEPS)[2];
            log.record(epoch, vg.value(), String.format(Locale.ROOT, "aim %6.2f m/s at %5.2f deg -> lands %6.2f m at %5.3f s",
                    shot[0], shot[1], landing[0], landing[1]));
            adam.step(shot, vg.gradient());
        }

        double[][] path = Cannon.path(shot, 500);
        double[][] firstPath = Cannon.path(firstShot, 500);
        double landX = path[2][0], landT = path[2][1];
        int steps = (int) path[2][2];
        double seconds = log.seconds();
        System.out.println();
        System.out.println("Summary");
        System.out.printf(Locale.ROOT, "  aim             %.3f m/s at %.4f degrees%n", shot[0], shot[1]);
        System.out.printf(Locale.ROOT, "  lands           %.3f m after %.4f s (target %.0f m after %.1f s)%n",
                landX, landT, TARGET_DISTANCE, TARGET_TIME);
        System.out.printf(Locale.ROOT, "  miss            %.4f m, %.5f s%n", Math.abs(landX - TARGET_DISTANCE),
                Math.abs(landT - TARGET_TIME));
        System.out.printf(Locale.ROOT, "  loss            %.3e -> %.3e in %d gradient steps%n", log.first(),
                Cannon.miss(shot, TARGET_DISTANCE, TARGET_TIME), epochs);
        System.out.printf(Locale.ROOT, "  flight          %d time steps differentiated per gradient (a loop without calls: each step keeps the few values its reverse needs on grad4j's value stack)%n", steps);
        System.out.printf(Locale.ROOT, "  time            %.2f s, %.1f ms per gradient%n", seconds, 1000 * seconds / epochs);

        Path plot = args.path("plot");
        if (plot != null) {
            double[] losses = log.losses();
            Chart loss = Chart.of("Loss while aiming", "gradient step", "miss (squared relative error)").logY()
                    .line(Chart.index(losses.length), losses, Chart.BLUE, "loss");
            Chart flight = Chart.of("Trajectories", "distance (m)", "height (m)")
                    .line(firstPath[0], firstPath[1], Chart.GREY, "first guess")
                    .line(path[0], path[1], Chart.BLUE, "optimised")
                    .points(new double[] {TARGET_DISTANCE}, new double[] {0}, Chart.RED, "target");
            Chart.writePng(plot, loss, flight);
            System.out.println("  plot            " + plot.toAbsolutePath().normalize());
        }
        results.put("speed", shot[0]).put("elevation", shot[1]).put("landDistance", landX).put("landTime", landT)
                .put("steps", steps).put("loss.first", log.first())
                .put("loss.last", Cannon.miss(shot, TARGET_DISTANCE, TARGET_TIME)).put("seconds", seconds)
                .writeTo(args.path("results"));
    }
}
