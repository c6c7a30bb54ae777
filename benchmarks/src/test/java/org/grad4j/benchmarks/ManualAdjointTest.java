package org.grad4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.grad4j.benchmarks.kernels.Gmm;
import org.grad4j.benchmarks.kernels.Lstm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The hand-written adjoints against central finite differences of the kernels themselves, and the
 * ADBench kernels against ADBench's own expected values. No agent needed.
 */
class ManualAdjointTest {
    static List<String> kernels() {
        return Kernels.NAMES;
    }

    /** Every coordinate of a small instance, at the kernel's point and at two perturbed points. */
    @ParameterizedTest
    @MethodSource("kernels")
    void smallInstanceMatchesFiniteDifferences(String name) {
        Kernel k = Kernels.small(name);
        Random r = new Random(name.hashCode());
        for (int round = 0; round < 3; round++) {
            double[] x = k.point();
            if (round > 0) for (int i = 0; i < x.length; i++) x[i] += 0.05 * r.nextGaussian();
            double[] g = k.manualGradient(x.clone());
            for (int i = 0; i < x.length; i++) assertClose(k, x, i, g[i]);
        }
    }

    /** A few coordinates of the instance the benchmarks run. */
    @ParameterizedTest
    @MethodSource("kernels")
    void benchmarkInstanceMatchesFiniteDifferences(String name) {
        Kernel k = Kernels.create(name);
        double[] x = k.point();
        double[] g = k.manualGradient(x.clone());
        Random r = new Random(name.hashCode());
        for (int n = 0; n < 4; n++) {
            int i = r.nextInt(x.length);
            assertClose(k, x, i, g[i]);
        }
    }

    private static void assertClose(Kernel k, double[] x, int i, double analytic) {
        double h = 1e-5 * Math.max(1, Math.abs(x[i]));
        double[] a = x.clone();
        double[] b = x.clone();
        a[i] += h;
        b[i] -= h;
        double fd = (k.value(a) - k.value(b)) / (2 * h);
        // rounding in the difference quotient, plus its truncation error
        double tolerance = 100 * Math.ulp(1.0) * Math.abs(k.value(x.clone())) / h + 1e-6 * Math.abs(fd) + 1e-9;
        assertEquals(fd, analytic, tolerance, k.name() + ": d/dx[" + i + "]");
    }

    @Test
    void gmmIsAdbenchsObjective() throws IOException {
        Gmm.Problem p = Gmm.Problem.read(resource("gmm_test.txt"));
        double[] x = p.point();
        assertEquals(expected("gmm_test", "objective")[0], p.value(x), 1e-8);
        double[] want = expected("gmm_test", "gradient");
        double[] got = p.manualGradient(x);
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-8, "gradient[" + i + "]");
    }

    @Test
    void lstmIsAdbenchsObjective() throws IOException {
        Lstm.Problem p = Lstm.Problem.read(resource("lstm_l2_c1024.txt"));
        double[] x = p.point();
        assertEquals(expected("lstm_l2_c1024", "objective")[0], p.value(x), 1e-8);
        double[] want = expected("lstm_l2_c1024", "gradient");
        double[] got = p.manualGradient(x);
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-10, "gradient[" + i + "]");
    }

    @Test
    void reportStatistics() {
        assertEquals(2.0, Report.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(1.0, Report.mad(List.of(1.0, 2.0, 3.0, 10.0)));
        assertTrue(Report.relativeError(new double[] {1, 2}, new double[] {1, 2.001}) < 1e-3);
    }

    private static InputStream resource(String name) {
        InputStream in = ManualAdjointTest.class.getResourceAsStream("/adbench/" + name);
        if (in == null) throw new IllegalStateException("no test resource adbench/" + name);
        return in;
    }

    /** A number or list of numbers from ADBench's expected values (a flat JSON file; no JSON library needed). */
    private static double[] expected(String section, String key) throws IOException {
        String json;
        try (InputStream in = resource("expected_values_adbench_tests.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int at = json.indexOf("\"" + section + "\"");
        at = json.indexOf("\"" + key + "\"", at);
        at = json.indexOf(':', at) + 1;
        while (Character.isWhitespace(json.charAt(at))) at++;
        List<Double> out = new ArrayList<>();
        if (json.charAt(at) == '[') {
            int end = json.indexOf(']', at);
            for (String t : json.substring(at + 1, end).split(",")) out.add(Double.parseDouble(t.trim()));
        } else {
            int end = at;
            while (",}\n".indexOf(json.charAt(end)) < 0) end++;
            out.add(Double.parseDouble(json.substring(at, end).trim()));
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
