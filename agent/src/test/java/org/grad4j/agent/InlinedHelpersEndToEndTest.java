package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.Model;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Inlined helpers behave as the calls they replace, through the agent: model parameters read in a
 * private helper get their gradients, and a helper called on null throws the NullPointerException
 * the call would have thrown.
 */
class InlinedHelpersEndToEndTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    static final class Net {
        @Parameter double[] w = {0.3, -0.8, 1.1};
        @Parameter double b = 0.2;

        private double unit(double x, int i) {
            return Math.tanh(w[i] * x + b);
        }

        double loss(double[] xs) {
            double s = 0;
            for (int i = 0; i < xs.length; i++) {
                double u = unit(xs[i], i);
                s += u * u;
            }
            return s;
        }
    }

    @Test
    void parametersReadInAPrivateHelperGetTheirGradients() {
        Net net = new Net();
        double[] xs = {0.5, -1.5, 2.0};
        ParameterGradients g = Model.gradient(net, m -> m.loss(xs));
        CentralDifferences.checkParameter(g, "w", net.w, () -> net.loss(xs));
        double h = 1e-6;
        double keep = net.b;
        net.b = keep + h;
        double up = net.loss(xs);
        net.b = keep - h;
        double down = net.loss(xs);
        net.b = keep;
        assertEquals((up - down) / (2 * h), g.getDouble("b"), 1e-7, "b");
    }

    static final class Holder {
        private double square(double z) {
            return z * z; // does not touch 'this': only the call itself would throw
        }
    }

    static Holder none() {
        return null;
    }

    @Differentiable
    static double viaNull(double x) {
        return none().square(x) + x;
    }

    @Test
    void aHelperCalledOnNullThrowsNullPointerException() {
        assertThrows(NullPointerException.class, () -> AD.derivative(InlinedHelpersEndToEndTest::viaNull, 1.5));
    }
}
