package org.grad4j.transformer.streams;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;

/**
 * Stream pipelines written the ways numerical Java code writes them, each a method of
 * {@code (double[] x, double[] w)}: {@link StreamFusionTest} runs every one fused and as written
 * and compares the results bit for bit, and differentiates the double-valued ones.
 */
public final class Pipelines {
    Pipelines() {}

    private static final DoubleUnaryOperator HALF = v -> v / 2;

    public static double sum(double[] x, double[] w) {
        return Arrays.stream(x).sum();
    }

    public static double sumOfSquares(double[] x, double[] w) {
        return Arrays.stream(x).map(v -> v * v).sum();
    }

    public static double dot(double[] x, double[] w) {
        return IntStream.range(0, x.length).mapToDouble(i -> w[i] * x[i]).sum();
    }

    public static double logSumExp(double[] x, double[] w) {
        double m = Arrays.stream(x).max().getAsDouble();
        return m + Math.log(Arrays.stream(x).map(v -> Math.exp(v - m)).sum());
    }

    public static double mean(double[] x, double[] w) {
        return Arrays.stream(x).average().orElse(0);
    }

    public static double emptyMeanOrElse(double[] x, double[] w) {
        return Arrays.stream(x, 0, 0).average().orElse(x[0]);
    }

    public static double variance(double[] x, double[] w) {
        double mu = Arrays.stream(x).average().getAsDouble();
        return Arrays.stream(x).map(v -> (v - mu) * (v - mu)).sum() / (x.length - 1);
    }

    public static double minTimesMax(double[] x, double[] w) {
        return Arrays.stream(x).min().getAsDouble() * DoubleStream.of(x).max().orElseThrow();
    }

    public static double positivePart(double[] x, double[] w) {
        return Arrays.stream(x).filter(v -> v > 0).map(Math::sqrt).sum();
    }

    public static double product(double[] x, double[] w) {
        return Arrays.stream(x).reduce(1, (a, b) -> a * b);
    }

    public static double productOptional(double[] x, double[] w) {
        return Arrays.stream(x).reduce((a, b) -> a * b + 0.5).getAsDouble();
    }

    public static double range(double[] x, double[] w) {
        return Arrays.stream(x, 1, x.length - 1).map(Math::sin).sum();
    }

    public static double closedRange(double[] x, double[] w) {
        return IntStream.rangeClosed(1, x.length - 1).mapToDouble(i -> x[i] - x[i - 1]).map(d -> d * d).sum();
    }

    public static double widened(double[] x, double[] w) {
        return IntStream.range(0, x.length).filter(i -> i % 2 == 0).asDoubleStream().map(i -> i * x[(int) i]).sum();
    }

    public static double intermediateIntStages(double[] x, double[] w) {
        return IntStream.range(0, x.length).map(i -> x.length - 1 - i).mapToDouble(i -> x[i] * (i + 1)).sum();
    }

    public static double[] toArray(double[] x, double[] w) {
        return Arrays.stream(x).map(v -> v * w[0]).toArray();
    }

    public static double[] filteredToArray(double[] x, double[] w) {
        return Arrays.stream(x).filter(v -> v < 0.5).toArray();
    }

    public static double sumOfToArray(double[] x, double[] w) {
        double[] y = IntStream.range(0, x.length).mapToDouble(i -> x[i] * w[i]).toArray();
        double s = 0;
        for (double v : y) s += v * v;
        return s;
    }

    public static double forEachIntoArray(double[] x, double[] w) {
        double[] y = new double[x.length];
        IntStream.range(0, x.length).forEach(i -> y[i] = Math.tanh(x[i]) * w[i]);
        double s = 0;
        for (double v : y) s += v;
        return s;
    }

    public static double compoundAssignment(double[] x, double[] w) {
        double s = x[0];
        s += Arrays.stream(x).map(v -> v * v).sum();
        double[] acc = {1, 2};
        acc[1] += DoubleStream.of(x).sum();
        return s * acc[1];
    }

    public static double inALoop(double[] x, double[] w) {
        double s = 0;
        for (int k = 0; k < 3; k++) {
            int shift = k;
            s += Arrays.stream(x).map(v -> Math.sin(v + shift)).sum() * w[k];
        }
        return s;
    }

    public static double nested(double[] x, double[] w) {
        return Arrays.stream(x).map(v -> v * Arrays.stream(w).sum()).sum()
                + IntStream.range(0, (int) Arrays.stream(w).count()).mapToDouble(i -> x[i]).sum();
    }

    public static double matches(double[] x, double[] w) {
        boolean any = Arrays.stream(x).anyMatch(v -> v > 0.9);
        boolean all = Arrays.stream(x).allMatch(v -> v > -5);
        boolean none = IntStream.range(0, x.length).noneMatch(i -> x[i] > 100);
        return (any ? 2 : 1) * (all ? 3 : 1) * (none ? 5 : 1) * x[1] + Arrays.stream(x).filter(v -> v > 0).count();
    }

    public static double throughAField(double[] x, double[] w) {
        return Arrays.stream(x).map(HALF).sum();
    }

    public static double throughAParameter(double[] x, double[] w) {
        return applyAll(x, v -> v * v * v);
    }

    private static double applyAll(double[] x, DoubleUnaryOperator f) {
        return Arrays.stream(x).map(f).sum();
    }

    public static double argumentOfACall(double[] x, double[] w) {
        return Math.max(x[0], Arrays.stream(x).map(v -> v * 0.5).sum()) + Math.hypot(x[1], Arrays.stream(w).sum());
    }

    public static double inAnArrayInitialiser(double[] x, double[] w) {
        double[] parts = {Arrays.stream(x).sum(), x[0], Arrays.stream(w).map(v -> v * x[1]).sum()};
        return parts[0] * parts[1] + parts[2];
    }

    public static double intSum(double[] x, double[] w) {
        int n = IntStream.range(0, x.length).map(i -> i * i).sum();
        int big = IntStream.of(3, 1, 4).max().getAsInt();
        return n * x[0] + big * x[1];
    }

    public double instanceCapture(double[] x, double[] w) {
        return Arrays.stream(x).map(v -> v * scale(v)).sum();
    }

    private double scale(double v) {
        return 1 + v * v;
    }

    record Sample(double input, double target, double weight) {}

    static final java.util.List<Sample> SAMPLES = java.util.List.of(
            new Sample(1.0, 2.0, 0.5), new Sample(-0.5, 0.25, 1.5), new Sample(2.0, 3.5, 0.75));
    static final Sample[] SAMPLE_ARRAY = SAMPLES.toArray(new Sample[0]);

    /** A collection's forEach, as its stream's. */
    public static double forEachOfAList(double[] x, double[] w) {
        double[] total = {0};
        SAMPLES.forEach(s -> total[0] += s.weight() * (x[0] * s.input() - s.target()) * w[0]);
        return total[0];
    }

    public static double rowsOfAMatrix(double[] x, double[] w) {
        double[][] m = {{x[0], x[1]}, {x[1] * w[0], x[2]}, {x[2], x[0]}};
        return Arrays.stream(m).mapToDouble(r -> r[0] * r[1]).sum();
    }

    public static double weightedLossOverAList(double[] x, double[] w) {
        return SAMPLES.stream()
                .mapToDouble(s -> s.weight() * Math.pow(x[0] * s.input() + x[1] - s.target(), 2))
                .sum();
    }

    public static double filteredRecordsOfAnArray(double[] x, double[] w) {
        return Arrays.stream(SAMPLE_ARRAY).filter(s -> s.weight() > 0.6).mapToDouble(s -> x[0] * s.input()).average().orElse(0);
    }

    public static double unboundMethodReference(double[] x, double[] w) {
        return SAMPLES.stream().mapToDouble(Sample::weight).sum() * x[0] + SAMPLES.stream().filter(s -> s.input() > 0).count() * x[1];
    }

    public static double arraysOfAStreamOf(double[] x, double[] w) {
        return java.util.stream.Stream.of(x, w).mapToDouble(a -> a[0] * a[1]).max().getAsDouble();
    }

    public static double objectsMadeFromIndices(double[] x, double[] w) {
        return IntStream.range(0, x.length).mapToObj(i -> new double[] {x[i], w[i]})
                .filter(p -> p[1] > -10).mapToDouble(p -> p[0] * p[1]).sum();
    }

    public static double matchesOverObjects(double[] x, double[] w) {
        boolean big = SAMPLES.stream().anyMatch(s -> s.target() > 3);
        return big ? x[0] * x[1] : x[2];
    }

    static final class Scorer {
        final double k;

        Scorer(double k) {
            this.k = k;
        }

        double scale(double v) {
            return k * v * v;
        }
    }

    static final Scorer SCORER = new Scorer(1.5);

    public static double boundMethodReference(double[] x, double[] w) {
        return Arrays.stream(x).map(SCORER::scale).sum();
    }

    public static double singleValues(double[] x, double[] w) {
        return DoubleStream.of(x[0] * x[1]).map(Math::exp).sum() + IntStream.of(3).mapToDouble(i -> i * x[2]).sum();
    }

    /** count() of a stream of known size runs none of its stages: acc stays 0, as in the JDK. */
    public static double sideEffectsBeforeCount(double[] x, double[] w) {
        double[] acc = new double[1];
        long c = Arrays.stream(x).peek(v -> acc[0] += v * v).map(v -> {
            acc[0] += v;
            return v;
        }).count();
        long d = IntStream.rangeClosed(2, 5).mapToDouble(i -> acc[0] += x[0]).count();
        return acc[0] + c * x[0] + d * x[1];
    }

    /** A filter makes the size unknown: then the stages run. */
    public static double sideEffectsBeforeAFilteredCount(double[] x, double[] w) {
        double[] acc = new double[1];
        long c = Arrays.stream(x).peek(v -> acc[0] += v * v).filter(v -> v > 0).count();
        return acc[0] + c * x[0];
    }

    public static double collectors(double[] x, double[] w) {
        double total = SAMPLES.stream().collect(java.util.stream.Collectors.summingDouble(s -> s.weight() * x[0] * s.input()));
        double mean = Arrays.stream(SAMPLE_ARRAY).collect(java.util.stream.Collectors.averagingDouble(s -> s.target() * x[1]));
        double none = SAMPLES.stream().filter(s -> s.weight() > 100)
                .collect(java.util.stream.Collectors.averagingDouble(s -> s.target() * x[2]));
        return total + mean * x[3] + none;
    }

    public static double pairsAndSuppliedExceptions(double[] x, double[] w) {
        double s = Arrays.stream(x).mapToObj(v -> new double[] {v, v * w[0]}).mapToDouble(p -> p[0] * p[1]).sum();
        return s + Arrays.stream(x).max().orElseThrow(() -> new IllegalStateException("no elements in " + x.length));
    }

    public static double emptySuppliedException(double[] x, double[] w) {
        return Arrays.stream(x, 1, 1).min().orElseThrow(() -> new IllegalArgumentException("empty"));
    }

    /** The last int: a counter of int would overflow and never pass it. */
    public static double closedRangeToTheLastInt(double[] x, double[] w) {
        return IntStream.rangeClosed(Integer.MAX_VALUE - 2, Integer.MAX_VALUE).mapToDouble(i -> x[i % x.length] * (i % 7)).sum();
    }

    public static double slices(double[] x, double[] w) {
        double head = Arrays.stream(x).limit(2).map(v -> v * v).sum();
        double tail = Arrays.stream(x).skip(1).filter(v -> v > -10).limit(5).sum();
        double[] acc = new double[1];
        long seen = IntStream.range(0, x.length).peek(i -> acc[0] += x[i]).limit(2).count(); // the JDK stops the source
        double firstPositive = Arrays.stream(x).filter(v -> v > 0).findFirst().orElse(w[0]);
        double any = IntStream.range(0, x.length).mapToDouble(i -> x[i] * w[i]).skip(x.length).findAny().orElse(-1);
        return head + 2 * tail + acc[0] * seen + firstPositive + any + Arrays.stream(x).limit(0).sum();
    }

    public static double negativeLimit(double[] x, double[] w) {
        return Arrays.stream(x).limit(x.length - 100).sum() + Arrays.stream(x).skip(-1).count(); // IllegalArgumentException
    }

    public static double emptyMax(double[] x, double[] w) {
        return Arrays.stream(x, 0, 0).max().getAsDouble(); // NoSuchElementException
    }

    public static double badRange(double[] x, double[] w) {
        return Arrays.stream(x, 2, 1).sum(); // an exception, as written
    }

    /** Not fused: the stream is kept in a variable. */
    public static double keptInAVariable(double[] x, double[] w) {
        DoubleStream s = Arrays.stream(x);
        return s.sum();
    }

    /** Not fused: sorted() has no loop of its own here. */
    public static double sorted(double[] x, double[] w) {
        return Arrays.stream(x).sorted().map(v -> v).sum();
    }

    /** {@code Arrays.setAll} of a {@code double[]}: the loop the JDK runs, the lambda capturing both arrays. */
    public static double setAll(double[] x, double[] w) {
        double[] out = new double[x.length];
        Arrays.setAll(out, i -> w[i] * x[i] + i);
        double s = 0;
        for (double v : out) s += v * v;
        return s;
    }

    public static double parallelSetAll(double[] x, double[] w) {
        double[] out = new double[x.length + 1];
        Arrays.parallelSetAll(out, i -> i < x.length ? Math.sin(x[i]) * w[0] : 1);
        return out[0] * out[out.length - 1] + out[out.length / 2];
    }

    /** {@code Arrays.sort} of a {@code double[]}: a gather by the sort's order; a median of a copy. */
    public static double median(double[] x, double[] w) {
        double[] s = x.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    /**
     * Part of an array sorted in place, its values weighted by rank, with duplicates, a -0.0 and a
     * 0.0 (their order shows in the signs) beside the random inputs' infinities and NaN.
     */
    public static double sortedRange(double[] x, double[] w) {
        double[] s = new double[x.length + 4];
        for (int i = 0; i < x.length; i++) s[i + 1] = x[i] * w[i % w.length];
        s[x.length + 1] = s[1];
        s[x.length + 2] = x[0] > 0 ? -0.0 : 0.0;
        Arrays.sort(s, 1, s.length - 1);
        double t = 0;
        for (int i = 0; i < s.length; i++) t += (i + 1) * s[i] + Math.copySign(i + 1, s[i]);
        return t;
    }

    public static double[] sortedCopy(double[] x, double[] w) {
        double[] s = Arrays.copyOf(x, x.length + 1);
        s[x.length] = -x[0];
        Arrays.sort(s);
        return s;
    }

    /** A float[] sorted (by Float.compare), read back as doubles. */
    public static double[] sortedFloats(double[] x, double[] w) {
        float[] f = new float[x.length + 2];
        for (int i = 0; i < x.length; i++) f[i] = (float) (x[i] * w[i % w.length]);
        f[x.length] = -0.0f;
        Arrays.sort(f, 1, f.length);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    /** A range whose start is past its end: Arrays.sort's IllegalArgumentException. */
    public static double badSortRange(double[] x, double[] w) {
        double[] s = x.clone();
        Arrays.sort(s, 2, 1);
        return s[0];
    }

    /** Not fused: the sum is an argument of a constructor being called. */
    public static double underConstruction(double[] x, double[] w) {
        return new Holder(Arrays.stream(x).sum()).value;
    }

    private static final class Holder {
        final double value;

        Holder(double value) {
            this.value = value;
        }
    }
}
