package org.grad4j.agent;

import java.util.Arrays;
import org.grad4j.AD;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Idioms of everyday numerical Java that a user probe found refused: logging through a
 * StringBuilder, String.format and printf, copying initial conditions out of a data array, matrices from small factory
 * helpers. Gradients against central differences.
 */
class OrdinaryIdiomsTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static String log = "";

    static double logged(double[] p) {
        double x = p[0] * p[0] + Math.sin(p[1]);
        StringBuilder sb = new StringBuilder();
        sb.append("x=").append(x).append(", p1=").append(p[1]);
        log = sb.toString();
        return x * p[1];
    }

    static final java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    static final java.io.PrintStream console = new java.io.PrintStream(printed, true);

    /** A progress line with printf and a label with String.format: their Object[] of arguments holds boxed values. */
    static double formatted(double[] p) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += Math.exp(p[i]) * p[(i + 1) % p.length];
            console.printf("term %d: %.4f (sum %.4f)%n", i, p[i], s);
        }
        log = String.format("loss=%.6e at p0=%.3f", s, p[0]);
        return s * log.length();
    }

    /** Euler steps of y' = -k y from initial conditions kept as data, copied with clone and copyOf. */
    static double decay(double[] k, double[] y0) {
        double[] y = y0.clone();
        double[] z = Arrays.copyOf(y0, y0.length);
        for (int step = 0; step < 20; step++) {
            for (int i = 0; i < y.length; i++) {
                y[i] -= 0.05 * k[i % k.length] * y[i];
                z[i] = z[i] + 0.05 * k[0] * y[i];
            }
        }
        double s = 0;
        for (int i = 0; i < y.length; i++) s += y[i] * y[i] + z[i];
        return s;
    }

    static double[] zeros(int n) {
        return new double[n];
    }

    static double[][] eye(int n) {
        double[][] e = new double[n][n];
        for (int i = 0; i < n; i++) e[i][i] = 1;
        return e;
    }

    /** A 2 x 2 inverse by Gauss-Jordan on a matrix and an identity from factory helpers. */
    static double inverseTrace(double[] p) {
        double[][] a = {{p[0], p[1]}, {p[2], p[3]}};
        double[][] inv = eye(2);
        double[] scale = zeros(2);
        for (int c = 0; c < 2; c++) {
            double pivot = a[c][c];
            scale[c] = pivot;
            for (int j = 0; j < 2; j++) {
                a[c][j] /= pivot;
                inv[c][j] /= pivot;
            }
            for (int r = 0; r < 2; r++) {
                if (r == c) continue;
                double f = a[r][c];
                for (int j = 0; j < 2; j++) {
                    a[r][j] -= f * a[c][j];
                    inv[r][j] -= f * inv[c][j];
                }
            }
        }
        return inv[0][0] + inv[1][1] + scale[0] * scale[1];
    }

    static double clipped(double[] p) {
        return Double.max(p[0] * p[1], 0.1) + Double.min(Math.sin(p[0]), p[1]);
    }

    @Test
    void doubleMaxAndMinAreMathMaxAndMin() {
        CentralDifferences.check(OrdinaryIdiomsTest::clipped, 0.7, 0.4);
        CentralDifferences.check(OrdinaryIdiomsTest::clipped, -0.5, 1.3);
    }

    @Test
    void aStringBuilderMayLogDifferentiableValues() {
        CentralDifferences.check(OrdinaryIdiomsTest::logged, 0.7, -0.4);
    }

    @Test
    void formattingCallsMayTakeDifferentiableValues() {
        CentralDifferences.check(OrdinaryIdiomsTest::formatted, 0.7, -0.4, 1.1);
        org.junit.jupiter.api.Assertions.assertTrue(printed.toString().contains("term 2: 1.1000"), printed.toString());
        org.junit.jupiter.api.Assertions.assertTrue(log.startsWith("loss="), log);
    }

    /** The indices of {@code v} by value, sorted with a comparator built from a lambda: only reads {@code v}. */
    static int[] order(double[] v) {
        Integer[] ix = new Integer[v.length];
        for (int i = 0; i < ix.length; i++) ix[i] = i;
        java.util.Arrays.sort(ix, java.util.Comparator.comparingDouble(i -> v[i]));
        int[] o = new int[ix.length];
        for (int i = 0; i < o.length; i++) o[i] = ix[i];
        return o;
    }

    /** A norm for a log line, with a stream: only reads {@code w}. */
    static String describe(double[] w) {
        return String.format("|w|=%.3f", Math.sqrt(java.util.Arrays.stream(w).map(v -> v * v).sum()));
    }

    /** Least trimmed squares: the two smallest squared residuals, found by sorting indices. */
    static double trimmed(double[] p) {
        double[] r = new double[p.length];
        for (int i = 0; i < p.length; i++) r[i] = (p[i] - i) * (p[i] - i);
        int[] o = order(r);
        log = describe(p);
        return r[o[0]] + r[o[1]];
    }

    @Test
    void helpersThatSortIndicesOrFormatWithStreamsOnlyRead() {
        CentralDifferences.check(OrdinaryIdiomsTest::trimmed, 0.3, 0.6, 2.7);
        org.junit.jupiter.api.Assertions.assertTrue(log.startsWith("|w|="), log);
    }

    /** A loss of the program's own interface that logs into a builder it is given. */
    interface LoggedLoss {
        double of(double[] w, StringBuilder log);
    }

    static final LoggedLoss LOGGED = (w, log) -> {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += Math.sin(w[i]) * w[(i + 1) % w.length];
            log.append(String.format("%d:%.3f;", i, s));
        }
        return s;
    };

    @Test
    void aLossMayLogIntoABuilderItIsGiven() {
        StringBuilder log = new StringBuilder();
        CentralDifferences.check(w -> LOGGED.of(w, log), 0.4, -1.1, 0.8); // not a number parsed from text
        org.junit.jupiter.api.Assertions.assertTrue(log.toString().startsWith("0:"), log.toString());
    }

    /** History kept as rows: a copy of the state per step, put into a matrix made for it. */
    static double history(double[] p) {
        double[][] rows = new double[3][2];
        double[] state = p.clone();
        for (int t = 0; t < 3; t++) {
            rows[t] = state.clone();
            state[0] = state[0] * 0.9 + Math.sin(state[1]);
            state[1] = state[1] - 0.1 * state[0];
        }
        return rows[2][0] * rows[1][1] + rows[0][0];
    }

    @Test
    void copiesOfDifferentiableArraysMayBeRowsOfAMatrix() {
        CentralDifferences.check(OrdinaryIdiomsTest::history, 0.7, -0.4);
    }

    @Test
    void copiesOfDataArraysMayReceiveDifferentiableValues() {
        double[] y0 = {1.0, -0.5, 2.0};
        CentralDifferences.check(k -> decay(k, y0), 0.8, 1.3);
    }

    @Test
    void arraysFromSmallFactoriesMayReceiveDifferentiableValues() {
        CentralDifferences.check(OrdinaryIdiomsTest::inverseTrace, 2.0, 0.5, -0.3, 1.5);
        // the same method called from a lambda: a callee, checked with its helpers inlined as it will run
        double[] data = {1.0};
        CentralDifferences.check(p -> inverseTrace(p) * data[0], 2.0, 0.5, -0.3, 1.5);
    }
}
