package org.grad4j.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * grad4j's gradient of every kernel against the hand-written adjoint (itself checked against finite
 * differences by {@link ManualAdjointTest}). Runs in {@code verify} with {@code -javaagent}.
 */
class Grad4jGradientIT {
    static List<String> kernels() {
        return Kernels.NAMES;
    }

    /** The gmm benchmark instance needs a larger worker stack (see docs/BENCHMARKS.md); the others run at full size. */
    static List<String> fullSize() {
        return Kernels.NAMES.stream().filter(n -> !n.equals("gmm")).toList();
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void smallInstance(String name) {
        assertSame(Kernels.small(name));
    }

    @ParameterizedTest
    @MethodSource("fullSize")
    void benchmarkInstance(String name) {
        assertSame(Kernels.create(name));
    }

    /** The tensor kernel: Model.gradient of the MLP's loss against the hand-written ND4J backward pass. */
    @org.junit.jupiter.api.Test
    void mlp() {
        org.grad4j.benchmarks.kernels.Mlp.Problem small = new org.grad4j.benchmarks.kernels.Mlp.Problem(
                new int[] {7, 5, 4, 3}, 6, org.nd4j.linalg.api.buffer.DataType.DOUBLE, 3);
        org.grad4j.benchmarks.kernels.Mlp.Result g = small.grad4j(), m = small.manual();
        assertEquals(m.value(), g.value(), 1e-12);
        double err = org.grad4j.benchmarks.kernels.Mlp.relativeError(g.gradients(), m.gradients());
        assertTrue(err < 1e-12, "float64: grad4j differs from the hand-written backward pass by " + err);

        org.grad4j.benchmarks.kernels.Mlp.Problem bench = org.grad4j.benchmarks.kernels.Mlp.Problem.benchmark();
        g = bench.grad4j();
        m = bench.manual();
        assertEquals(org.nd4j.linalg.api.buffer.DataType.FLOAT, g.gradients()[0].dataType(), "float32 gradients");
        err = org.grad4j.benchmarks.kernels.Mlp.relativeError(g.gradients(), m.gradients());
        assertTrue(err < 1e-5, "float32 784-256-256-10: grad4j differs from the hand-written backward pass by " + err);
    }

    private static void assertSame(Kernel k) {
        double[] manual = k.manualGradient(k.point());
        double[] x = k.point();
        double[] grad = k.grad4jGradient(x);
        assertEquals(manual.length, grad.length);
        double err = Report.relativeError(grad, manual);
        assertTrue(err < 1e-10, k.description() + ": grad4j differs from the hand-written adjoint by " + err);
        double[] p = k.point();
        for (int i = 0; i < p.length; i++) assertEquals(p[i], x[i], 0.0, "the gradient changed its input");
    }
}
