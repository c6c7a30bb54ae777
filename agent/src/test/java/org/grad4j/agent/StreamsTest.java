package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.IntStream;
import org.grad4j.AD;
import org.grad4j.TransformException;
import org.grad4j.ValueAndGradient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stream pipelines over differentiable arrays, written as users write them: each runs as the loop
 * it stands for, with its lambdas called as methods (a lambda capturing the point is then an
 * ordinary call). Gradients are checked against central differences, values against the plain
 * call bit for bit.
 */
class StreamsTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static final double[] LABELS = {0, 0, 1, 0};

    /** Softmax cross-entropy with the usual max shift, the shift found by a stream. */
    static double crossEntropy(double[] z) {
        double shift = Arrays.stream(z).max().getAsDouble();
        double[] e = Arrays.stream(z).map(v -> Math.exp(v - shift)).toArray();
        double total = Arrays.stream(e).sum();
        return -IntStream.range(0, z.length).mapToDouble(i -> LABELS[i] * Math.log(e[i] / total)).sum();
    }

    @Test
    void softmaxCrossEntropyWithAStreamShift() {
        CentralDifferences.check(StreamsTest::crossEntropy, 0.3, -1.2, 2.0, 0.7);
    }

    static final double[][] X = {{1, 2}, {0.5, -1}, {-2, 0.25}, {3, 1}};
    static final double[] Y = {1.5, -0.5, 0.75, 2};

    /** Mean squared error of a linear model plus a ridge penalty, all in streams. */
    static double ridge(double[] w) {
        double mse = IntStream.range(0, X.length)
                .mapToDouble(i -> Math.pow(w[0] * X[i][0] + w[1] * X[i][1] + w[2] - Y[i], 2))
                .average().orElse(0);
        return mse + 0.1 * Arrays.stream(w, 0, 2).map(v -> v * v).sum();
    }

    @Test
    void meanSquaredErrorAndPenaltyInStreams() {
        CentralDifferences.check(StreamsTest::ridge, 0.4, -0.3, 0.2);
    }

    /** A unit vector made by streams, then used in a loop. */
    static double projection(double[] x) {
        double norm = Math.sqrt(Arrays.stream(x).map(v -> v * v).sum());
        double[] u = Arrays.stream(x).map(v -> v / norm).toArray();
        double s = 0;
        for (int i = 0; i < u.length; i++) s += u[i] * (i + 1);
        return s;
    }

    @Test
    void aVectorNormalisedByStreams() {
        CentralDifferences.check(StreamsTest::projection, 1.0, -2.0, 0.5);
    }

    /** Weighted sum of squares of the positive elements: a filter in the pipeline. */
    static double positiveEnergy(double[] x) {
        return IntStream.range(0, x.length).filter(i -> x[i] > 0).mapToDouble(i -> (i + 1) * x[i] * x[i]).sum();
    }

    @Test
    void aFilterKeepsOnlyTheElementsItLetsThrough() {
        double[] x = {1.5, -0.5, 2.0, -3.0};
        double[] g = AD.gradient(StreamsTest::positiveEnergy, x);
        assertArrayEquals(new double[] {2 * 1.5, 0, 3 * 2 * 2.0, 0}, g, 1e-12);
    }

    /** A model object whose loss sums a per-sample instance method over its data. */
    static final class Regression {
        final double[][] inputs = X;
        final double[] targets = Y;

        double residual(double[] w, int i) {
            return w[0] * inputs[i][0] + w[1] * inputs[i][1] - targets[i];
        }

        double loss(double[] w) {
            return IntStream.range(0, targets.length).mapToDouble(i -> residual(w, i) * residual(w, i)).sum();
        }
    }

    @Test
    void aLambdaCallingAnInstanceMethodOfTheModel() {
        Regression model = new Regression();
        CentralDifferences.check(model::loss, 0.7, -0.4);
    }

    static final DoubleUnaryOperator SOFTPLUS = v -> Math.log1p(Math.exp(v));

    static double viaFunctionObjects(double[] x) {
        return Arrays.stream(x).map(SOFTPLUS).sum() + applied(x, v -> v * v * v);
    }

    static double applied(double[] x, DoubleUnaryOperator f) {
        return Arrays.stream(x).map(f).reduce(0, Double::sum);
    }

    @Test
    void functionObjectsFromAFieldAndAParameter() {
        CentralDifferences.check(StreamsTest::viaFunctionObjects, 0.5, -1.0, 1.5);
    }

    /** In-place updates of the caller's array through forEach. */
    static double scaledInPlace(double[] x) {
        double[] y = x.clone();
        IntStream.range(0, y.length).forEach(i -> y[i] *= Math.cos(x[i]));
        return Arrays.stream(y).sum() * y[0];
    }

    @Test
    void forEachWritingAnArray() {
        CentralDifferences.check(StreamsTest::scaledInPlace, 0.3, 1.1, -0.8);
    }

    static double manyTerms(double[] x) {
        return Arrays.stream(x).map(v -> v * 1e-3 + 1e8).sum();
    }

    @Test
    void theValueIsTheStreamsToTheBit() {
        double[] x = new double[1000];
        for (int i = 0; i < x.length; i++) x[i] = Math.sin(i) * 1e5;
        ValueAndGradient vg = AD.valueAndGradient(StreamsTest::manyTerms, x.clone());
        assertEquals(Double.doubleToLongBits(manyTerms(x)), Double.doubleToLongBits(vg.value()));
        for (double gi : vg.gradient()) assertEquals(1e-3, gi, 1e-18);
    }

    record Point(double x, double y) {}

    static final java.util.List<Point> POINTS = java.util.List.of(new Point(0, 1), new Point(1, 2.5), new Point(2, 4.5), new Point(3, 7));

    /** A least-squares line through a list of records, the loss a stream over the list. */
    static double lineFit(double[] p) {
        return POINTS.stream().mapToDouble(q -> Math.pow(p[0] * q.x() + p[1] - q.y(), 2)).sum() / POINTS.size();
    }

    @Test
    void aStreamOverAListOfRecords() {
        CentralDifferences.check(StreamsTest::lineFit, 1.5, 0.5);
    }

    /** The same fit's loss through collectors, as code written with Collectors reads. */
    static double lineFitCollected(double[] p) {
        double mse = POINTS.stream().collect(java.util.stream.Collectors.averagingDouble(q -> Math.pow(p[0] * q.x() + p[1] - q.y(), 2)));
        double l1 = POINTS.stream().collect(java.util.stream.Collectors.summingDouble(q -> Math.abs(p[0] * q.x())));
        return mse + 0.01 * l1;
    }

    @Test
    void summingAndAveragingCollectors() {
        CentralDifferences.check(StreamsTest::lineFitCollected, 1.5, 0.5);
        double[] p = {1.5, 0.5};
        assertEquals(Double.doubleToLongBits(lineFitCollected(p)), Double.doubleToLongBits(AD.valueAndGradient(StreamsTest::lineFitCollected, p).value()));
    }

    /** The norms of a matrix's rows, a stream in the lambda of a stream over the rows. */
    static double rowNorms(double[] flat) {
        double[][] m = {{flat[0], flat[1]}, {flat[2], flat[3]}, {flat[1], flat[3]}};
        return Arrays.stream(m).mapToDouble(r -> Math.sqrt(Arrays.stream(r).map(v -> v * v).sum())).sum();
    }

    @Test
    void aStreamOverRowsWithAStreamInItsLambda() {
        CentralDifferences.check(StreamsTest::rowNorms, 0.3, -1.2, 2.0, 0.7);
    }

    static double keptInAVariable(double[] x) {
        java.util.stream.DoubleStream s = Arrays.stream(x);
        return s.map(v -> v * v).sum();
    }

    static double sortedFirst(double[] x) {
        return Arrays.stream(x).sorted().limit(2).sum();
    }

    static double sumOf(java.util.stream.DoubleStream s) {
        return s.sum();
    }

    static double passedOn(double[] x) {
        return sumOf(Arrays.stream(x).map(v -> v * v));
    }

    static double optionalKept(double[] x) {
        java.util.OptionalDouble mean = Arrays.stream(x).filter(v -> v > 0).average();
        return mean.isPresent() ? 3 * mean.getAsDouble() : 0;
    }

    static double iterated(double[] x) {
        int n = x.length;
        return IntStream.iterate(0, i -> i < n, i -> i + 2).mapToDouble(i -> x[i] * x[i]).sum();
    }

    @Test
    void eachRefusalSaysWhatKeptTheStreamAStream() {
        String[][] cases = {
            {"passedOn", "the stream is passed to StreamsTest.sumOf(DoubleStream), which is not a stream operation"},
            {"optionalKept", "the stream (or its optional result) is kept in a variable"},
            {"iterated", "a lambda capturing a differentiable value, in a stream grad4j does not run as a loop: "
                    + "IntStream.iterate(int, IntPredicate, IntUnaryOperator) is not one of the operations"},
        };
        java.util.Map<String, org.grad4j.VectorFunction> functions = java.util.Map.of(
                "passedOn", StreamsTest::passedOn, "optionalKept", StreamsTest::optionalKept, "iterated", StreamsTest::iterated);
        for (String[] c : cases) {
            TransformException e = assertThrows(TransformException.class, () -> AD.gradient(functions.get(c[0]), new double[] {1, 2, 3}));
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains("Write it as one such expression"), e.getMessage());
        }
    }

    @Test
    void streamsNotWrittenAsOnePipelineAreRefusedSayingWhy() {
        TransformException kept = assertThrows(TransformException.class,
                () -> AD.gradient(StreamsTest::keptInAVariable, new double[] {1, 2, 3}));
        assertTrue(kept.getMessage().contains("StreamsTest.java:") && kept.getMessage().contains("the stream (or its optional result) is kept in a variable")
                && kept.getMessage().contains("one expression"), kept.getMessage());
        TransformException sorted = assertThrows(TransformException.class,
                () -> AD.gradient(StreamsTest::sortedFirst, new double[] {1, 2, 3}));
        assertTrue(sorted.getMessage().contains("DoubleStream.sorted() is not one of the operations grad4j runs as a loop"), sorted.getMessage());
    }
}
