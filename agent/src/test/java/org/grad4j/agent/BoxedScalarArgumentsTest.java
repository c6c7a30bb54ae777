package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.util.List;
import org.grad4j.AD;
import org.grad4j.Gradients;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A {@code Double}, {@code Float} or {@code Number} parameter has an adjoint register in the
 * generated entry, like a {@code double}. A user probe found the registers read back as if it
 * had none: every {@code double} after it got its neighbour's adjoint, so a lambda capturing a
 * boxed value ({@code Double c = list.get(0); x -> f(c, x)}, the capture comes first) had a
 * derivative of 0, silently. Analytic derivatives.
 */
class BoxedScalarArgumentsTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static double scaled(Double c, double x) {
        return c * x * x;
    }

    static double scaledFloat(double x, Float c) {
        return c * x * x * x;
    }

    public static double product(Double boxed, double y, Number n) {
        return boxed * y * y + n.doubleValue() * y;
    }

    /** Questions asked of a boxed differentiable value answer with no derivative, as their static forms. */
    static double askedOfABox(double x) {
        Double d = x * x;
        Double e = Math.sin(3 * x);
        if (d.isNaN() || d.isInfinite() || d.equals(e)) return 0;
        return d.compareTo(e) > 0 ? d * e + d.intValue() : d - e;
    }

    @Test
    void aBoxedValueAnswersQuestionsWithoutLosingItsDerivative() {
        for (double x : new double[] {-1.3, -0.4, 0.2, 0.45, 0.9, 1.7}) {
            double h = 1e-6;
            double expected = (askedOfABox(x + h) - askedOfABox(x - h)) / (2 * h);
            assertEquals(expected, AD.derivative(BoxedScalarArgumentsTest::askedOfABox, x), 1e-7 * Math.max(1, Math.abs(expected)),
                    "at " + x);
        }
    }

    @Test
    void aCapturedDoubleDoesNotTakeTheArgumentsAdjoint() {
        Double c = List.of(2.0, 3.0).get(0);
        assertEquals(2 * 2 * 1.5, AD.derivative(x -> scaled(c, x), 1.5), 1e-12);
        Float f = 3f;
        assertEquals(3 * 3 * 1.5 * 1.5, AD.derivative(x -> scaledFloat(x, f), 1.5), 1e-12);
        assertEquals(2 * 2 * 0.5, AD.gradient(v -> scaled(c, v[0]) + 0 * v[1], new double[] {0.5, 1})[0], 1e-12);
    }

    @Test
    void boxedParametersOfAMethodGetTheirGradientAndLeaveTheOthersTheirs() throws Exception {
        Method m = BoxedScalarArgumentsTest.class.getDeclaredMethod("product", Double.class, double.class, Number.class);
        Gradients g = AD.gradient(m, null, 0.5, 2.0, 7);
        assertEquals(0.5 * 4 + 14, g.value(), 1e-12);
        assertEquals(4.0, (Double) g.get(0), 1e-12);              // d/dboxed = y^2
        assertEquals(2 * 0.5 * 2 + 7, (Double) g.get(1), 1e-12);  // d/dy = 2 boxed y + n
        assertEquals(2.0, (Double) g.get(2), 1e-12);              // d/dn = y
    }
}
