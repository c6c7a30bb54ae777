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
