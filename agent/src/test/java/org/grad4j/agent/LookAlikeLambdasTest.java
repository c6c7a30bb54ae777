package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.grad4j.AD;
import org.grad4j.GradientException;
import org.grad4j.VectorFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lambdas of one interface made in one class, with the same captures, look alike from outside;
 * grad4j tells them apart by what they compute. Functions that agree on a half-line or below a
 * threshold (a factory's activations) must never be mixed up: a wrong one is a silent wrong
 * gradient. Each factory is a class of its own, so that its lambdas are the only candidates.
 */
class LookAlikeLambdasTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    /** Activations that agree pairwise where a few small positive probes fall. */
    static final class Activations {
        static DoubleUnaryOperator make(String kind) {
            switch (kind) {
                case "linear": return z -> z;
                case "clip": return z -> Math.min(z, 1e3);           // the identity below 1000
                case "relu": return z -> Math.max(z, 0);             // the identity for z >= 0
                case "abs": return z -> Math.abs(z);                 // relu for z >= 0
                case "square": return z -> z * z;
                case "huber": return z -> z < 5 ? z * z : 10 * z - 25; // square below 5
                default: throw new IllegalArgumentException(kind);
            }
        }
    }

    static double layer(DoubleUnaryOperator act, double[] w, double[] x) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += act.applyAsDouble(w[i] * x[i]);
        return s;
    }

    @Test
    void aFactorysActivationsAreNeverMixedUp() {
        double[] x = {2000, 3000, -1, 1, -4000, 6};
        double[] w = {0.9, 1.1, 0.7, 1.3, 0.8, 1.2};
        for (String kind : new String[] {"linear", "clip", "relu", "abs", "square", "huber"}) {
            DoubleUnaryOperator act = Activations.make(kind);
            VectorFunction f = v -> layer(act, v, x);
            double[] g = AD.gradient(f, w.clone());
            for (int i = 0; i < w.length; i++) {
                // the activations are linear or quadratic away from their kinks: central
                // differences are exact there but for rounding, which a wide step keeps small
                double h = 1e-3;
                double[] p = w.clone(), m = w.clone();
                p[i] += h;
                m[i] -= h;
                assertEquals((f.apply(p) - f.apply(m)) / (2 * h), g[i], 1e-6 * Math.abs(x[i]), kind + ": d/dw" + i);
            }
        }
    }

    @Test
    void theProbesReproduction() {
        DoubleUnaryOperator relu = Activations.make("relu");
        // relu(-w) for w = 2 is 0 with derivative 0; the identity would give -1
        assertEquals(0.0, AD.gradient(v -> relu.applyAsDouble(-v[0]), new double[] {2.0})[0]);
        assertEquals(-1.0, AD.gradient(v -> relu.applyAsDouble(-v[0]), new double[] {-2.0})[0]);
    }

    /** Two lambdas that differ only beyond every probe point. */
    static final class Indistinguishable {
        static final DoubleUnaryOperator IDENTITY = z -> z;
        static final DoubleUnaryOperator CLIPPED_FAR_AWAY = z -> Math.min(z, 1e305);
    }

    @Test
    void lambdasThatAgreeAtEveryProbeAreRefusedNotGuessed() {
        GradientException e = assertThrows(GradientException.class,
                () -> AD.derivative(x -> Indistinguishable.IDENTITY.applyAsDouble(x) * 2, 0.5));
        String m = e.getMessage();
        assertTrue(m.matches("(?s).*DoubleUnaryOperator.applyAsDouble at " + getClass().getName()
                + "\\.\\S+ \\(LookAlikeLambdasTest.java:\\d+\\).*"), m); // the call site
        assertTrue(m.contains("2 look-alike lambdas of DoubleUnaryOperator"), m);
        assertTrue(m.contains("compute the same numbers at every point grad4j probed"), m);
        assertTrue(m.contains("Serializable") && m.contains("named classes"), m); // what to write instead
    }

    /** The same lambda written twice: either body computes it. */
    static final class WrittenTwice {
        static final DoubleUnaryOperator SOFTPLUS = z -> Math.log1p(Math.exp(z));
        static final DoubleUnaryOperator SOFTPLUS_AGAIN = z -> Math.log1p(Math.exp(z));
        static final DoubleUnaryOperator OTHER = z -> Math.log1p(Math.exp(-z));
    }

    @Test
    void theSameLambdaWrittenTwiceIsNotALookAlike() {
        // d/dx softplus(x) = sigmoid(x)
        assertEquals(1 / (1 + Math.exp(-0.4)), AD.derivative(x -> WrittenTwice.SOFTPLUS_AGAIN.applyAsDouble(x), 0.4), 1e-12);
        assertEquals(-1 / (1 + Math.exp(0.4)), AD.derivative(x -> WrittenTwice.OTHER.applyAsDouble(x), 0.4), 1e-12);
    }

    /** Two-parameter look-alikes that agree wherever both arguments have one sign and grow together. */
    static final class Binary {
        static final DoubleBinaryOperator MAX = (p, q) -> Math.max(p, q);
        static final DoubleBinaryOperator SECOND = (p, q) -> q;
        static final DoubleBinaryOperator ABS_SUM = (p, q) -> Math.abs(p + q);
        static final DoubleBinaryOperator SUM = (p, q) -> p + q;
    }

    @Test
    void multiParameterLookAlikesAreToldApart() {
        for (DoubleBinaryOperator op : new DoubleBinaryOperator[] {Binary.MAX, Binary.SECOND, Binary.ABS_SUM, Binary.SUM}) {
            CentralDifferences.check(v -> op.applyAsDouble(v[0], v[1]) * 3, 2.5, -4.0);
            CentralDifferences.check(v -> op.applyAsDouble(v[0], v[1]) * 3, 2.5, 1.5);
        }
    }

    interface Ternary {
        double f(double a, double b, double c);
    }

    /** Three-parameter look-alikes that differ only where the first and the third have opposite signs. */
    static final class ThreeArguments {
        static final Ternary PLAIN = (a, b, c) -> a * b + c;
        static final Ternary SHIFTED = (a, b, c) -> a * c < 0 ? a * b + c + 3 * a : a * b + c;
    }

    @Test
    void everyCombinationOfSignsIsProbed() {
        // d/da = b + 3, d/db = a, d/dc = 1 at (0.8, 1.3, -0.6), where a * c < 0
        double[] g = AD.gradient(v -> ThreeArguments.SHIFTED.f(v[0], v[1], v[2]), new double[] {0.8, 1.3, -0.6});
        assertEquals(4.3, g[0], 1e-12);
        assertEquals(0.8, g[1], 1e-12);
        assertEquals(1.0, g[2], 1e-12);
        CentralDifferences.check(v -> ThreeArguments.PLAIN.f(v[0], v[1], v[2]), 0.8, 1.3, -0.6);
    }

    /** Both spellings of one activation in one class: a method reference and a lambda forwarding to it. */
    static final class BothSpellings {
        static final DoubleUnaryOperator REF = Math::tanh;
        static final DoubleUnaryOperator LAMBDA = z -> Math.tanh(z);
        static final DoubleBinaryOperator REF2 = Math::hypot;
        static final DoubleBinaryOperator LAMBDA2 = (a, b) -> Math.hypot(a, b);
    }

    /**
     * A probe found {@code z -> Math.tanh(z)} refused as a look-alike of a {@code Math::tanh}
     * elsewhere in its class. They are one function, and the lambda's body can be read: either
     * object now runs it. Analytic derivatives.
     */
    @Test
    void aMethodReferenceAndALambdaForwardingToItAreOneFunction() {
        double x = 0.4, t = Math.tanh(0.8);
        assertEquals(2 * (1 - t * t), AD.derivative(z -> BothSpellings.LAMBDA.applyAsDouble(2 * z), x), 1e-12);
        assertEquals(2 * (1 - t * t), AD.derivative(z -> BothSpellings.REF.applyAsDouble(2 * z), x), 1e-12);
        // d/dz hypot(z, 3z) = sqrt(10)
        assertEquals(Math.sqrt(10), AD.derivative(z -> BothSpellings.LAMBDA2.applyAsDouble(z, 3 * z), x), 1e-12);
        assertEquals(Math.sqrt(10), AD.derivative(z -> BothSpellings.REF2.applyAsDouble(z, 3 * z), x), 1e-12);
    }

    /** The mean of two integrals per evaluation of the integrand: the lambdas count their calls in an array they capture. */
    static double meanPerEvaluation(double[] p) {
        int[] calls = {0};
        DoubleUnaryOperator a = x -> {
            calls[0]++;
            return Math.sin(x);
        };
        DoubleUnaryOperator b = x -> {
            calls[0]++;
            return Math.cos(x);
        };
        double s = Quadrature.trapezoid(a, 0, p[0]) + Quadrature.trapezoid(b, 0, p[1]);
        return s / calls[0];
    }

    /**
     * A probe found the first gradient of {@link #meanPerEvaluation} wrong by a factor of 3: telling
     * {@code a} and {@code b} apart called them, and those calls were counted too. The probe now puts
     * back what its calls wrote into the arrays the lambda captured.
     */
    @Test
    void probingLeavesNoTraceInTheArraysTheLambdasCaptured() {
        double[] p = {1.0, 0.5};
        org.grad4j.ValueAndGradient first = AD.valueAndGradient(LookAlikeLambdasTest::meanPerEvaluation, p.clone());
        assertEquals(meanPerEvaluation(p.clone()), first.value(), 0);
        CentralDifferences.check(LookAlikeLambdasTest::meanPerEvaluation, p);
    }
}

/** A trapezoid rule in a class of its own that reads its private field: called, never inlined, so its lambdas are probed. */
final class Quadrature {
    private Quadrature() {}

    private static int panels = 4;

    static double trapezoid(DoubleUnaryOperator f, double a, double b) {
        double h = (b - a) / panels, s = (f.applyAsDouble(a) + f.applyAsDouble(b)) / 2;
        for (int i = 1; i < panels; i++) s += f.applyAsDouble(a + i * h);
        return s * h;
    }
}
