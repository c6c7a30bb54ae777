package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.IntToDoubleFunction;
import org.grad4j.AD;
import org.grad4j.TransformException;
import org.grad4j.ValueAndGradient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Higher-order numerical code as users write it: integrators, quadrature and root finders given
 * lambdas that capture the parameters, in this class or in a class of their own
 * ({@link NumericalMethods}). The lambdas are made and called in the differentiated method, or in
 * helpers inlined into it, so their captured values differentiate (LambdaObjects). Gradients are
 * checked against central differences or analytic derivatives, values against the plain call.
 */
class HigherOrderFunctionsTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    /** A right-hand side of the problem's own: {@code y' = f(t, y)}. */
    @FunctionalInterface
    interface Rhs {
        double f(double t, double y);
    }

    static double rk4(Rhs f, double y, double h, int steps) {
        double t = 0;
        for (int i = 0; i < steps; i++) {
            double k1 = f.f(t, y);
            double k2 = f.f(t + h / 2, y + h / 2 * k1);
            double k3 = f.f(t + h / 2, y + h / 2 * k2);
            double k4 = f.f(t + h, y + h * k3);
            y += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
            t += h;
        }
        return y;
    }

    /** A forced, damped decay: the lambda captures a local made from the parameters and the parameter array. */
    static double forcedDecay(double[] p) {
        double k = p[0] * p[0];
        return rk4((t, y) -> -k * y + Math.sin(p[1] * t), 1.0, 0.01, 200);
    }

    @Test
    void anOdeSolvedWithALambdaDifferentiatesInItsParameters() {
        CentralDifferences.check(HigherOrderFunctionsTest::forcedDecay, 0.8, 1.7);
        double[] p = {0.8, 1.7};
        assertEquals(forcedDecay(p.clone()), AD.valueAndGradient(HigherOrderFunctionsTest::forcedDecay, p).value(), 0);
    }

    /** y' = -k y from 1 over [0, 1]: RK4 with 100 steps is exp(-k) to 1e-10, so d/dk is -exp(-k). */
    static double decay(double[] p) {
        return rk4((t, y) -> -p[0] * y, 1.0, 0.01, 100);
    }

    @Test
    void theDecaysDerivativeIsTheAnalyticOne() {
        double k = 0.6;
        assertEquals(-Math.exp(-k), AD.gradient(HigherOrderFunctionsTest::decay, new double[] {k})[0], 1e-8);
    }

    /** A Gaussian's integral by Simpson's rule in another class: sqrt(pi / a) erf(sqrt(a)) / 2 over [0, 1]. */
    static double gaussianMass(double[] p) {
        return p[1] * NumericalMethods.simpson(x -> Math.exp(-p[0] * x * x), 0, 1, 64);
    }

    @Test
    void quadratureInAUtilityClassDifferentiates() {
        CentralDifferences.check(HigherOrderFunctionsTest::gaussianMass, 1.3, 0.7);
        // d/db of b ∫ exp(-a x²) is the integral itself
        double[] p = {1.3, 0.7};
        assertEquals(gaussianMass(p.clone()) / 0.7, AD.gradient(HigherOrderFunctionsTest::gaussianMass, p)[1], 1e-12);
    }

    /** A root found by a fixed number of Newton steps given the function and its derivative: sqrt(c) for x² − c. */
    static double root(double[] p) {
        double c = p[0];
        return NumericalMethods.newton(x -> x * x - c, x -> 2 * x, 1.0, 30);
    }

    @Test
    void newtonsIteratesDifferentiate() {
        double c = 2.5;
        // the iterates converge to sqrt(c): their derivative to 1 / (2 sqrt(c))
        assertEquals(1 / (2 * Math.sqrt(c)), AD.gradient(HigherOrderFunctionsTest::root, new double[] {c})[0], 1e-12);
    }

    /** Lambdas made in a loop, each capturing its iteration's weight, and a factory that returns one. */
    static double madeInALoopAndByAFactory(double[] p) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            double w = p[i];
            DoubleUnaryOperator f = x -> w * Math.tanh(x);
            s += f.applyAsDouble(i + 0.5);
        }
        DoubleUnaryOperator scaled = scaledBy(p[0]);
        return s + scaled.applyAsDouble(p[1]);
    }

    static DoubleUnaryOperator scaledBy(double k) {
        return x -> k * x * x;
    }

    @Test
    void lambdasMadeInALoopOrReturnedByAFactoryDifferentiate() {
        CentralDifferences.check(HigherOrderFunctionsTest::madeInALoopAndByAFactory, 0.4, -1.1, 0.9);
    }

    /** Composition by hand, a method reference, and Arrays.setAll. */
    static double composedAndFilled(double[] p) {
        DoubleUnaryOperator inner = x -> x * p[0];
        DoubleUnaryOperator outer = x -> Math.exp(inner.applyAsDouble(x)) + p[1];
        IntToDoubleFunction root = Math::sqrt;
        double[] filled = new double[4];
        Arrays.setAll(filled, i -> p[1] * root.applyAsDouble(i));
        return outer.applyAsDouble(0.5) + NumericalMethods.sum(filled);
    }

    @Test
    void composedLambdasMethodReferencesAndSetAllDifferentiate() {
        CentralDifferences.check(HigherOrderFunctionsTest::composedAndFilled, 0.3, 1.2);
    }

    static double adaptive(DoubleUnaryOperator f, double a, double b, double whole, int depth) {
        double m = (a + b) / 2;
        double left = (m - a) / 6 * (f.applyAsDouble(a) + 4 * f.applyAsDouble((a + m) / 2) + f.applyAsDouble(m));
        double right = (b - m) / 6 * (f.applyAsDouble(m) + 4 * f.applyAsDouble((m + b) / 2) + f.applyAsDouble(b));
        if (depth == 0 || Math.abs(left + right - whole) < 1e-10) return left + right;
        return adaptive(f, a, m, left, depth - 1) + adaptive(f, m, b, right, depth - 1);
    }

    static double adaptivelyIntegrated(double[] p) {
        return adaptive(x -> Math.exp(-p[0] * x), 0, 1, 0, 6);
    }

    @Test
    void aLambdaGivenToARecursiveHelperIsRefusedSayingSo() {
        TransformException e = assertThrows(TransformException.class,
                () -> AD.gradient(HigherOrderFunctionsTest::adaptivelyIntegrated, new double[] {0.5}));
        assertTrue(e.getMessage().contains("a lambda or dynamic call capturing a differentiable value, kept as an object: the "
                + "lambda made on line") && e.getMessage().contains("is passed to HigherOrderFunctionsTest.adaptive, which is "
                + "not inlined: it is recursive"), e.getMessage());
    }

    static double rhsInAVariable(double[] p) {
        DoubleBinaryOperator rhs = (t, y) -> -p[0] * y + t;
        double y = 1;
        for (int i = 0; i < 10; i++) y += 0.1 * rhs.applyAsDouble(0.1 * i, y);
        return y;
    }

    @Test
    void valuesAreThePlainCallsBitForBit() {
        for (double a : new double[] {0.1, 0.7, 2.3}) {
            double[] p = {a, 1 - a};
            ValueAndGradient vg = AD.valueAndGradient(HigherOrderFunctionsTest::rhsInAVariable, p.clone());
            assertEquals(rhsInAVariable(p.clone()), vg.value(), 0);
            ValueAndGradient simpson = AD.valueAndGradient(HigherOrderFunctionsTest::gaussianMass, p.clone());
            assertEquals(gaussianMass(p.clone()), simpson.value(), 0);
        }
    }

    /** An ODE system as an object implementing an interface, its parameters in fields. */
    interface OdeSystem {
        void derivatives(double t, double[] y, double[] dydt);
    }

    static final class LotkaVolterra implements OdeSystem {
        final double a, b, c, d;

        LotkaVolterra(double a, double b, double c, double d) {
            this.a = a;
            this.b = b;
            this.c = c;
            this.d = d;
        }

        @Override
        public void derivatives(double t, double[] y, double[] dy) {
            dy[0] = a * y[0] - b * y[0] * y[1];
            dy[1] = c * y[0] * y[1] - d * y[1];
        }
    }

    /** Classic RK4 with its scratch arrays: larger than a helper grad4j inlines unless it is given a function object. */
    static double[] rk4(OdeSystem sys, double[] y0, double h, int steps) {
        int n = y0.length;
        double[] y = y0.clone(), k1 = new double[n], k2 = new double[n], k3 = new double[n], k4 = new double[n], tmp = new double[n];
        for (int s = 0; s < steps; s++) {
            double t = s * h;
            sys.derivatives(t, y, k1);
            for (int i = 0; i < n; i++) tmp[i] = y[i] + 0.5 * h * k1[i];
            sys.derivatives(t + 0.5 * h, tmp, k2);
            for (int i = 0; i < n; i++) tmp[i] = y[i] + 0.5 * h * k2[i];
            sys.derivatives(t + 0.5 * h, tmp, k3);
            for (int i = 0; i < n; i++) tmp[i] = y[i] + h * k3[i];
            sys.derivatives(t + h, tmp, k4);
            for (int i = 0; i < n; i++) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        }
        return y;
    }

    static double finalPrey(double[] p) {
        return rk4(new LotkaVolterra(p[0], p[1], p[2], p[3]), new double[] {10, 5}, 0.025, 100)[0];
    }

    @Test
    void anOdeSystemObjectMadeInTheLossGivenToAnIntegrator() {
        java.util.Random r = new java.util.Random(8);
        for (int trial = 0; trial < 3; trial++) {
            CentralDifferences.check(HigherOrderFunctionsTest::finalPrey, 1 + 0.2 * r.nextDouble(), 0.4 + 0.1 * r.nextDouble(),
                    0.1 + 0.05 * r.nextDouble(), 0.4 + 0.1 * r.nextDouble());
        }
    }
}

/** Numerical methods in a class of their own, as a utility class: public static, no private state. */
final class NumericalMethods {
    private NumericalMethods() {}

    static double simpson(DoubleUnaryOperator f, double a, double b, int n) {
        double h = (b - a) / n;
        double s = f.applyAsDouble(a) + f.applyAsDouble(b);
        for (int i = 1; i < n; i++) s += (i % 2 == 0 ? 2 : 4) * f.applyAsDouble(a + i * h);
        return s * h / 3;
    }

    static double newton(DoubleUnaryOperator f, DoubleUnaryOperator derivative, double x, int steps) {
        for (int i = 0; i < steps; i++) x -= f.applyAsDouble(x) / derivative.applyAsDouble(x);
        return x;
    }

    static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }
}
