package org.grad4j.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * Ratios measured like with like: rounds of primal, hand-written and grad4j calls, one column
 * after another within each round (their order rotating), each round about {@code 3 × 40} ms.
 * This machine runs all code in a fast and a slow mode that switch every few seconds (docs/
 * BENCHMARKS.md, twenty-fourth session), and JMH measures the columns one after another, minutes
 * apart: its ratio of medians mixes modes. A round here sits in one mode nearly always, so the
 * median of the per-round ratios compares the columns in the same mode. Not a replacement for
 * the JMH table (allocation, distributions), a check on its ratios.
 *
 * <pre>
 * java -javaagent:agent/target/grad4j-agent.jar -Dgrad4j.stack=8g -cp benchmarks/target/grad4j-benchmarks.jar \
 *     org.grad4j.benchmarks.Paired [rounds] [kernel ...]
 * </pre>
 *
 * Prints a Markdown table: per kernel, the median time per call of each column (µs) and the
 * median of the per-round ratios with their interquartile range.
 */
public final class Paired {
    private static final long ROUND_NANOS = 40_000_000L;
    private static final long WARMUP_NANOS = 3_000_000_000L;
    static volatile double blackhole;

    private Paired() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        List<String> kernels = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : Kernels.NAMES;
        System.out.println("| kernel | primal µs | manual µs | grad4j µs | grad4j / manual (IQR) | grad4j / primal (IQR) | rounds |");
        System.out.println("|---|--:|--:|--:|--:|--:|--:|");
        for (String name : kernels) System.out.println(row(Kernels.create(name), rounds));
    }

    private static String row(Kernel kernel, int rounds) {
        double[] point = kernel.point();
        List<Column> columns = List.of(
                new Column(x -> kernel.value(x)),
                new Column(x -> kernel.manualGradient(x)[0]),
                new Column(x -> kernel.grad4jGradient(x)[0]));
        for (Column c : columns) c.calibrate(point); // warm-up too
        double[] byManual = new double[rounds], byPrimal = new double[rounds];
        double[][] times = new double[3][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 3; k++) {
                int c = (r + k) % 3; // rotate which column runs first
                times[c][r] = columns.get(c).microsPerCall(point);
            }
            byManual[r] = times[2][r] / times[1][r];
            byPrimal[r] = times[2][r] / times[0][r];
        }
        return String.format("| %s | %s | %s | %s | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %d |", kernel.name(),
                micros(quantile(times[0], 0.5)), micros(quantile(times[1], 0.5)), micros(quantile(times[2], 0.5)),
                quantile(byManual, 0.5), quantile(byManual, 0.25), quantile(byManual, 0.75),
                quantile(byPrimal, 0.5), quantile(byPrimal, 0.25), quantile(byPrimal, 0.75), rounds);
    }

    /** One column: a call, and how many of them fill a round. */
    private static final class Column {
        private final java.util.function.ToDoubleFunction<double[]> call;
        private int calls = 1;
        private double sink;

        Column(java.util.function.ToDoubleFunction<double[]> call) {
            this.call = call;
        }

        void calibrate(double[] point) {
            long end = System.nanoTime() + WARMUP_NANOS;
            long n = 0, start = System.nanoTime();
            while (System.nanoTime() < end) {
                sink += call.applyAsDouble(point);
                n++;
            }
            double nanosPerCall = (double) (System.nanoTime() - start) / n;
            calls = (int) Math.max(1, Math.min(Integer.MAX_VALUE, ROUND_NANOS / nanosPerCall));
        }

        double microsPerCall(double[] point) {
            long start = System.nanoTime();
            for (int i = 0; i < calls; i++) sink += call.applyAsDouble(point);
            double micros = (System.nanoTime() - start) / 1e3 / calls;
            blackhole = sink; // the calls' results stay in use
            return micros;
        }
    }

    private static String micros(double v) {
        return v >= 1000 ? String.format("%,.0f", v) : v >= 10 ? String.format("%.1f", v) : String.format("%.3f", v);
    }

    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double at = q * (sorted.length - 1);
        int below = (int) Math.floor(at);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
    }
}
