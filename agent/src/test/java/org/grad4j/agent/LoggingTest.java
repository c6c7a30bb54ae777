package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.Model;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.grad4j.TransformException;
import org.grad4j.VectorFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Losses that log themselves, as application code does: SLF4J (its parameterised messages, more
 * than two arguments, the fluent builder), Log4j 2 (parameters and a message supplier) and
 * java.util.logging (parameters, an Object[] of them, a supplier), logging a running sum inside
 * the loop, an array, from an inlined helper, from a recursive method and from a model's loss;
 * and argument checks (Guava's Preconditions, Commons Lang's Validate) with the loss in their messages.
 * SLF4J and Log4j are bridged to java.util.logging, whose records the tests read: each gradient
 * is checked against central differences, and what it logged against what the plain call logs.
 */
class LoggingTest {
    static final org.slf4j.Logger SLF4J = org.slf4j.LoggerFactory.getLogger("grad4j.test.slf4j");
    static final org.apache.logging.log4j.Logger LOG4J = org.apache.logging.log4j.LogManager.getLogger("grad4j.test.log4j");
    static final java.util.logging.Logger JUL = java.util.logging.Logger.getLogger("grad4j.test.jul");

    /** Every record logged under "grad4j.test", formatted as its handler would. */
    static final List<String> logged = new ArrayList<>();

    static final Handler capture = new Handler() {
        @Override
        public synchronized void publish(LogRecord r) {
            logged.add(new java.util.logging.SimpleFormatter().formatMessage(r));
        }

        @Override public void flush() {}
        @Override public void close() {}
    };

    @BeforeAll
    static void attach() {
        AD.install();
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("grad4j.test");
        root.setLevel(Level.ALL);
        root.setUseParentHandlers(false);
        root.addHandler(capture);
        capture.setLevel(Level.ALL);
    }

    @BeforeEach
    @AfterEach
    void clear() {
        synchronized (capture) {
            logged.clear();
        }
    }

    /** What the plain call logs, then what the gradient logs (its first run may be on a worker thread). */
    private static List<List<String>> plainThenGradient(VectorFunction f, double[] w) {
        f.apply(w.clone());
        List<String> plain;
        synchronized (capture) {
            plain = new ArrayList<>(logged);
            logged.clear();
        }
        CentralDifferences.check(f, w);
        synchronized (capture) {
            // the check calls f four times per input after the gradient: the gradient's records come first
            return List.of(plain, new ArrayList<>(logged.subList(0, plain.size())));
        }
    }

    private static void logsAsThePlainCall(VectorFunction f, double[] w) {
        List<List<String>> both = plainThenGradient(f, w);
        assertTrue(!both.get(0).isEmpty(), "the plain call logged nothing");
        assertEquals(both.get(0), both.get(1));
    }

    @Differentiable
    static double slf4jParameters(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += Math.sin(w[i]) * w[i];
        SLF4J.info("loss {}", s);
        SLF4J.debug("loss {} first {}", s, w[0]);
        SLF4J.debug("loss {} first {} n {}", s, w[0], w.length); // an Object[] of boxes
        return s * s;
    }

    /** A reduction loop that logs its running sum: the sum is kept, though only the gradient is asked for. */
    @Differentiable
    static double runningSumLogged(double[] w) {
        double s = 0;
        for (int i = 0; i + 1 < w.length; i++) {
            double a = w[i + 1] - w[i] * w[i];
            s += 100 * a * a + (1 - w[i]) * (1 - w[i]);
            if (i % 2 == 0) SLF4J.trace("after {}: {}", i, s);
        }
        return s;
    }

    @Differentiable
    static double slf4jFluent(double[] w) {
        double dot = 0;
        for (int i = 0; i < w.length; i++) dot += w[i] * (i + 1);
        SLF4J.atDebug().addArgument(dot).addKeyValue("n", w.length).log("dot {}");
        return Math.exp(0.1 * dot);
    }

    @Differentiable
    static double log4jParametersAndSupplier(double[] w) {
        double norm = 0;
        for (double v : w) norm += v * v;
        double r = Math.sqrt(norm);
        LOG4J.info("norm {} of {} values", r, w.length);
        final double shown = r;
        LOG4J.debug(() -> "norm squared " + shown * shown);
        if (LOG4J.isTraceEnabled()) LOG4J.trace("weights {}", Arrays.toString(w));
        return r * w[0];
    }

    @Differentiable
    static double julParametersAndSupplier(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += Math.exp(-w[i] * w[i]);
        JUL.log(Level.FINE, "sum {0}", s);
        JUL.log(Level.FINE, "sum {0} first {1}", new Object[] {s, w[0]});
        final double t = s;
        JUL.fine(() -> "sum " + t);
        JUL.finer(() -> "weights " + Arrays.toString(w)); // the supplier reads the differentiated array
        return Math.log(s);
    }

    /** The array itself given to the logger, which makes text of it (SLF4J prints its elements). */
    @Differentiable
    static double arrayLogged(double[] w) {
        SLF4J.debug("weights {} and {}", Arrays.toString(w), w.length);
        SLF4J.trace("raw {}", (Object) w);
        double p = 1;
        for (double v : w) p *= 1 + v * v;
        return p;
    }

    static double scaled(double[] w, int i) {
        double v = 3 * w[i] * w[i];
        SLF4J.debug("term {} = {}", i, v);
        return v;
    }

    @Differentiable
    static double helperLogs(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += scaled(w, i) * w[(i + 1) % w.length];
        return s;
    }

    /** Recursive, so not inlined: its own generated code logs. */
    @Differentiable
    static double power(double x, int n) {
        if (n == 0) return 1;
        double r = x * power(x, n - 1);
        SLF4J.debug("x^{} = {}", n, r);
        return r;
    }

    @Differentiable
    static double recursionLogs(double[] w) {
        return power(w[0], 4) + power(w[1], 3);
    }

    @Test
    void slf4jParameterisedMessagesLogTheValues() {
        logsAsThePlainCall(LoggingTest::slf4jParameters, new double[] {0.3, -1.2, 0.7});
    }

    @Test
    void aLoggedRunningSumKeepsItsValues() {
        Random r = new Random(3);
        double[] w = new double[9];
        for (int i = 0; i < w.length; i++) w[i] = 0.5 + 0.5 * r.nextDouble();
        logsAsThePlainCall(LoggingTest::runningSumLogged, w);
    }

    @Test
    void slf4jFluentBuilderTakesABoxedValue() {
        logsAsThePlainCall(LoggingTest::slf4jFluent, new double[] {0.4, -0.2, 0.9, 1.1});
    }

    @Test
    void log4jParametersAndMessageSupplier() {
        logsAsThePlainCall(LoggingTest::log4jParametersAndSupplier, new double[] {1.5, -0.5, 2.0});
    }

    @Test
    void javaUtilLoggingParametersArraysAndSuppliers() {
        logsAsThePlainCall(LoggingTest::julParametersAndSupplier, new double[] {0.2, 0.6, -0.4});
    }

    @Test
    void aLoggedArrayIsText() {
        logsAsThePlainCall(LoggingTest::arrayLogged, new double[] {0.5, -1.0, 2.0});
    }

    @Test
    void inlinedHelperLogs() {
        logsAsThePlainCall(LoggingTest::helperLogs, new double[] {0.5, -1.0, 2.0, 0.25});
    }

    @Test
    void recursiveMethodLogs() {
        logsAsThePlainCall(LoggingTest::recursionLogs, new double[] {1.3, -0.7});
    }

    static final class Regression {
        @Parameter double[] w = {0.5, -0.3, 0.8};
        @Parameter double b = 0.2;

        double loss(double[][] xs, double[] ys) {
            double total = 0;
            for (int i = 0; i < xs.length; i++) {
                double z = b;
                for (int j = 0; j < w.length; j++) z += w[j] * xs[i][j];
                double e = z - ys[i];
                total += e * e;
            }
            SLF4J.info("mse {} over {} samples", total / xs.length, xs.length);
            return total / xs.length;
        }
    }

    @Test
    void modelLossLogs() {
        double[][] xs = {{1, 2, 0.5}, {0.3, -1, 2}, {-0.5, 0.5, 1}};
        double[] ys = {1, -0.5, 0.25};
        Regression net = new Regression();
        double plain = net.loss(xs, ys);
        ParameterGradients g = Model.gradient(net, m -> m.loss(xs, ys));
        assertEquals(plain, g.value(), 1e-15);
        CentralDifferences.checkParameter(g, "w", net.w, () -> net.loss(xs, ys));
        synchronized (capture) {
            assertEquals(logged.get(0), logged.get(1), "the model's loss logs as the plain call does");
        }
    }

    /** Argument checks with the loss in their messages: Guava's (up to its varargs overload) and Commons Lang's. */
    @Differentiable
    static double checked(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += w[i] * w[i] * (i + 1);
        com.google.common.base.Preconditions.checkArgument(s < 1e6, "loss %s too large", s);
        com.google.common.base.Preconditions.checkState(!Double.isNaN(s), "NaN loss %s %s %s %s %s", s, w[0], w[1], s, w.length);
        org.apache.commons.lang3.Validate.isTrue(s < 1e6, "loss %s too large at %s", s, w[0]);
        org.apache.commons.lang3.Validate.validState(s >= 0, "negative loss %s", s);
        org.apache.commons.lang3.Validate.finite(s, "loss %s not finite", s);
        org.apache.commons.lang3.Validate.inclusiveBetween(0.0, 1e9, s);
        SLF4J.debug("checked {}", s);
        return Math.sqrt(s);
    }

    @Test
    void argumentChecksTakeTheLossAsText() {
        logsAsThePlainCall(LoggingTest::checked, new double[] {0.5, -1.5, 2.0});
    }

    @Differentiable
    static double failsItsCheck(double[] w) {
        double s = w[0] * w[1];
        org.apache.commons.lang3.Validate.isTrue(s < 1, "loss %s too large at %s", s, w[0]);
        return s;
    }

    @Test
    void aFailedCheckThrowsItsMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AD.gradient(LoggingTest::failsItsCheck, new double[] {2, 3}));
        assertEquals("loss 6.0 too large at 2.0", e.getMessage());
    }

    /** A supplier that writes into the differentiated array is not only logging. */
    @Differentiable
    static double supplierWrites(double[] w) {
        double s = w[0] * w[1];
        JUL.fine(() -> {
            w[0] = 0;
            return "reset";
        });
        return s;
    }

    @Test
    void aSupplierThatWritesIsRefused() {
        TransformException e = assertThrows(TransformException.class,
                () -> AD.gradient(LoggingTest::supplierWrites, new double[] {1, 2}));
        assertTrue(e.getMessage().contains("LoggingTest.supplierWrites") && e.getMessage().contains("lambda"), e.getMessage());
    }
}
