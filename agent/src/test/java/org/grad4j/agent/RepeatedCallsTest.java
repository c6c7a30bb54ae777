package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.GradientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Repeated gradients of one lambda reuse what resolving its first instance found (the
 * implementation method, the generated entry): every call must still see its own captured values.
 */
class RepeatedCallsTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    @Differentiable
    static double weighted(double[] x, double[] w, double scale, int power) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += w[i] * Math.pow(x[i], power);
        return scale * s;
    }

    static double[] gradientAt(double[] x, double[] w, double scale, int power) {
        return AD.gradient(v -> weighted(v, w, scale, power), x); // one lambda class, new captures each call
    }

    @Test
    void capturedValuesAreReadOnEveryCall() {
        double[] x = {0.5, 1.5, -2};
        for (int call = 0; call < 6; call++) {
            double scale = 0.5 + call;
            int power = 1 + call % 3;
            double[] w = {call, 1 - call, 2.0 * call};
            double[] g = gradientAt(x, w, scale, power);
            for (int i = 0; i < x.length; i++) {
                assertEquals(scale * w[i] * power * Math.pow(x[i], power - 1), g[i], 1e-12, "call " + call + ", x" + i);
            }
        }
    }

    @Test
    void aCapturedArrayThatIsTheInputIsRefusedAndACopyIsData() {
        for (int call = 0; call < 4; call++) {
            double[] x = {0.3 + call, -0.7};
            // x captured as the weights too: a constant (2 x_i^2) or the input again (3 x_i^2)? refused
            GradientException e = assertThrows(GradientException.class,
                    () -> AD.gradient(v -> weighted(v, x, 1, 2), x));
            assertTrue(e.getMessage().contains("x.clone()"), e.getMessage());
            // a copy of x as the weights is data: 2 w_i v_i
            double[] w = x.clone();
            double[] h = AD.gradient(v -> weighted(v, w, 1, 2), x);
            for (int i = 0; i < x.length; i++) assertEquals(2 * w[i] * x[i], h[i], 1e-12, "call " + call);
        }
    }
}
