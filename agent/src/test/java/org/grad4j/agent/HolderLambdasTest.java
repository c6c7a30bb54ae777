package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleSupplier;
import org.grad4j.AD;
import org.grad4j.GradientException;
import org.grad4j.Model;
import org.grad4j.Parameter;
import org.grad4j.ParameterGradients;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A lambda that captured an object holding model parameters (or the point of a gradient) and is
 * called in the loss: a user probe found its reads of them silently lost — the lambda was no
 * holder when made in the loss, and its captured objects were data to its code. Now a lambda
 * made from holders is one, and hands them on as holders. Analytic derivatives.
 */
class HolderLambdasTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    static final class Net {
        @Parameter double[] w = {0.5, 2};

        double l2() {
            double s = 0;
            for (double v : w) s += v * v;
            return s;
        }

        /** Both spellings of the regulariser: a lambda calling l2 on this, and this::l2. */
        double loss(double x) {
            DoubleSupplier reg = () -> l2();
            DoubleSupplier reg2 = this::l2;
            return w[0] * w[1] * x + 0.1 * reg.getAsDouble() + 0.2 * reg2.getAsDouble();
        }
    }

    static final class Outer {
        final Net net = new Net();

        double loss(double x) {
            DoubleSupplier reg = () -> net.l2();
            return net.w[0] * x + reg.getAsDouble();
        }
    }

    @Test
    void aLambdaMadeInTheLossThatCapturedTheModelReadsItsParameters() {
        ParameterGradients g = Model.gradient(new Net(), m -> m.loss(3));
        double[] gw = g.getArray("w");
        assertEquals(2 * 3 + 0.6 * 0.5, gw[0], 1e-12);  // w1 x + 0.6 w0
        assertEquals(0.5 * 3 + 0.6 * 2, gw[1], 1e-12);  // w0 x + 0.6 w1
    }

    @Test
    void aLambdaThatCapturedASubModuleReadsItsParameters() {
        ParameterGradients g = Model.gradient(new Outer(), m -> m.loss(3));
        double[] gw = g.getArray("net.w");
        assertEquals(3 + 2 * 0.5, gw[0], 1e-12);
        assertEquals(2 * 2, gw[1], 1e-12);
    }

    static final class Plain {
        double[] w;

        double penalty() {
            double s = 0;
            for (double v : w) s += v * v;
            return s;
        }
    }

    static double use(double[] v, DoubleSupplier s) {
        return v[0] * v[1] + s.getAsDouble();
    }

    @Test
    void aLambdaThatCapturedAnObjectHoldingThePointIsRefusedWhereItReadsIt() {
        Plain p = new Plain();
        p.w = new double[] {0.5, 2};
        DoubleSupplier s = () -> p.penalty();
        GradientException e = assertThrows(GradientException.class, () -> AD.gradient(v -> use(v, s), p.w));
        assertTrue(e.getMessage().contains("a read of the field org.grad4j.agent.HolderLambdasTest$Plain.w"), e.getMessage());
        assertTrue(e.getMessage().contains("the array the gradient is taken at"), e.getMessage());
    }
}
