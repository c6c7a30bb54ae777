package org.grad4j.benchmarks;

import java.util.Locale;
import org.grad4j.benchmarks.kernels.Mlp;

/** The MLP kernel's check for the report, apart from {@link Report} so that only it loads ND4J. */
final class MlpCheck {
    private MlpCheck() {}

    /** grad4j's and SameDiff's gradients against the hand-written backward pass, on the benchmark instance. */
    static String run() {
        try {
            Mlp.Problem p = Mlp.Problem.benchmark();
            Mlp.Result manual = p.manual();
            double grad4j = Mlp.relativeError(p.grad4j().gradients(), manual.gradients());
            double sameDiff = Mlp.relativeError(p.sameDiff().gradients(), manual.gradients());
            return String.format(Locale.ROOT, "%.1e (SameDiff %.1e)", grad4j, sameDiff);
        } catch (Throwable t) {
            String msg = String.valueOf(t.getMessage()).lines().findFirst().orElse("");
            return "FAILED: " + t.getClass().getSimpleName() + ": " + msg;
        }
    }
}
