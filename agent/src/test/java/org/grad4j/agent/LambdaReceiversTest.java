package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleUnaryOperator;
import org.grad4j.AD;
import org.grad4j.GradientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Differentiated code calling a lambda object made elsewhere: which code it runs is found by
 * its serialized form, or among the lambda sites of the class that made it; what cannot be found
 * is reported at the call, with what to write instead.
 */
class LambdaReceiversTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    // two look-alike lambdas in one class; one checks its argument's domain
    static final DoubleUnaryOperator SCALE = z -> 3 * z;
    static final DoubleUnaryOperator SAFE_SQRT = z -> {
        if (z < 0.1 || z > 0.9) throw new IllegalArgumentException("outside [0.1, 0.9]: " + z);
        return 1.5 * Math.sqrt(z);
    };

    static double apply(DoubleUnaryOperator f, double x) {
        return f.applyAsDouble(x) * 2;
    }

    @Test
    void lookAlikeLambdasAreToldApartEvenWhenOneChecksItsDomain() {
        assertEquals(6.0, AD.derivative(x -> apply(SCALE, x), 0.5), 1e-12);
        assertEquals(2 * 1.5 * 0.5 / Math.sqrt(0.5), AD.derivative(x -> apply(SAFE_SQRT, x), 0.5), 1e-12);
    }

    /** A functional interface of the user's own that is serializable: the lambda names its code. */
    interface Activation extends DoubleUnaryOperator, Serializable {}

    static final AtomicInteger CALLS = new AtomicInteger();
    static final Activation COUNTED = z -> {
        CALLS.incrementAndGet();
        return z * z;
    };
    static final Activation OTHER = z -> z * z * z; // a look-alike

    static double twice(Activation a, double x) {
        return a.applyAsDouble(x) + a.applyAsDouble(2 * x);
    }

    @Test
    void aSerializableLambdaIsFoundWithoutRunningIt() {
        CALLS.set(0);
        assertEquals(2 * 0.7 + 8 * 0.7, AD.derivative(x -> twice(COUNTED, x), 0.7), 1e-12);
        assertEquals(2, CALLS.get(), "the lambda runs only as the program runs it, never to be identified");
        assertEquals(3 * 0.49 + 24 * 0.49, AD.derivative(x -> twice(OTHER, x), 0.7), 1e-12);
    }

    static final DoubleUnaryOperator TANH = Math::tanh;
    static final DoubleUnaryOperator NEXT_UP = Math::nextUp;
    static final DoubleUnaryOperator COMPOSED = SCALE.andThen(z -> z + 1);

    /** A reference to a function of Math with a rule runs as the lambda that calls it (runtime.MathReferences). */
    @Test
    void aMathMethodReferenceIsDifferentiatedByItsRule() {
        assertEquals(2 * (1 - Math.pow(Math.tanh(0.3), 2)), AD.derivative(x -> apply(TANH, x), 0.3), 1e-12); // apply doubles
        assertEquals(Math.cos(0.3), AD.derivative(Math::sin, 0.3), 1e-12);
        // hypot(x, 2x) = sqrt(5) |x|
        assertEquals(Math.sqrt(5), AD.derivative(x -> HYPOT.applyAsDouble(x, 2 * x), 0.3), 1e-12);
        // StrictMath's run StrictMath's functions, by the same rules
        assertEquals(StrictMath.cos(0.3), AD.derivative(StrictMath::sin, 0.3), 1e-12);
        assertEquals(1 / (3 * Math.cbrt(0.09)), AD.derivative(StrictMath::cbrt, 0.3), 1e-12);
        assertEquals(1 / 0.3, AD.derivative(StrictMath::log, 0.3), 1e-12);
        assertEquals(2 * Math.exp(0.3), AD.derivative(x -> apply(STRICT_EXPM1, x), 0.3), 1e-12); // apply doubles
    }

    static final DoubleUnaryOperator STRICT_EXPM1 = StrictMath::expm1;

    @Test
    void aJdkMethodReferenceIsReportedAtTheCallWithTheLambdaToWriteInstead() {
        GradientException e = assertThrows(GradientException.class, () -> AD.derivative(x -> apply(NEXT_UP, x), 0.3));
        // where: the call (here inlined into the lambda that calls apply), with its source line
        assertTrue(e.getMessage().matches("(?s).*DoubleUnaryOperator.applyAsDouble at " + getClass().getName()
                + "\\.\\S+ \\(LambdaReceiversTest.java:\\d+\\).*"), e.getMessage());
        assertTrue(e.getMessage().contains("z -> Math.nextUp(z)"), e.getMessage());
    }

    static final java.util.function.DoubleBinaryOperator HYPOT = Math::hypot;
    static final java.util.function.DoubleBinaryOperator SUM = Double::sum;

    /** The lambda to write instead takes as many arguments as the interface's method (a probe met "z -> Double.sum(z)"). */
    @Test
    void aJdkMethodReferenceOfTwoArgumentsSuggestsALambdaOfTwo() {
        GradientException e = assertThrows(GradientException.class,
                () -> AD.derivative(x -> SUM.applyAsDouble(x, 2 * x), 0.3));
        assertTrue(e.getMessage().contains("(a, b) -> Double.sum(a, b)"), e.getMessage());
    }

    @Test
    void aLambdaComposedByTheJdkIsReportedAtTheCall() {
        GradientException e = assertThrows(GradientException.class, () -> AD.derivative(x -> apply(COMPOSED, x), 0.3));
        assertTrue(e.getMessage().matches("(?s).* at " + getClass().getName() + "\\.\\S+ \\(LambdaReceiversTest.java:\\d+\\).*"),
                e.getMessage());
        assertTrue(e.getMessage().contains("made inside the JDK"), e.getMessage());
    }
    /** A user's interface with a default method built on its abstract one, as residuals and losses are written. */
    interface Residual {
        double value(double x, double[] p);

        default double averaged(double x, double[] p) {
            return 0.5 * (value(x, p) + value(2 * x, p));
        }

        default double squared(double[] p) {
            double r = value(p[0], p);
            return r * r;
        }
    }

    static final Residual KEPLER = (x, p) -> x - p[1] * Math.sin(x) - p[0];
    static final Residual KEPLER_REF = LambdaReceiversTest::kepler;

    static double kepler(double x, double[] p) {
        return x - p[1] * Math.sin(x) - p[0];
    }

    static double throughDefaults(Residual r, double[] p) {
        return r.averaged(p[0], p) + r.squared(p);
    }

    @Test
    void aDefaultMethodCalledOnALambdaRunsTheDefaultMethod() {
        double[] p = {0.8, 0.4};
        for (Residual r : new Residual[] {KEPLER, KEPLER_REF}) {
            var vg = AD.valueAndGradient(v -> throughDefaults(r, v), p.clone());
            assertEquals(throughDefaults(r, p), vg.value(), 0, "the value of the default methods");
            CentralDifferences.check(v -> throughDefaults(r, v), p);
        }
    }

    /** A default method whose parameters differ from the lambda's in number and kind. */
    interface Scaled extends DoubleUnaryOperator {
        default double twice(double x) {
            return 2 * applyAsDouble(x);
        }
    }

    static final Scaled SQUARE = z -> z * z;

    @Test
    void aDefaultMethodOfAnotherShapeThanTheLambda() {
        assertEquals(2 * SQUARE.twice(1.5) / 1.5, AD.derivative(x -> SQUARE.twice(x), 1.5), 1e-12);
    }
}
