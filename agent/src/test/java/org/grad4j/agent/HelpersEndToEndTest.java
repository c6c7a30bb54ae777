package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.special.Gamma;
import org.grad4j.AD;
import org.grad4j.AdjointOf;
import org.grad4j.Differentiable;
import org.grad4j.GradientException;
import org.grad4j.TransformException;
import org.grad4j.rules.Adjoint;
import org.grad4j.rules.RulesFor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Ordinary code: unannotated helpers, virtual calls, a third-party library, custom rules. */
class HelpersEndToEndTest {

    @BeforeAll
    static void attach() {
        AD.install();
    }

    private static double fd(java.util.function.DoubleUnaryOperator f, double x) {
        double h = 1e-6 * Math.max(1, Math.abs(x));
        return (f.applyAsDouble(x + h) - f.applyAsDouble(x - h)) / (2 * h);
    }

    // ---- helpers without annotations, three deep, private, instance, generic ----

    private static double level3(double x) {
        return Math.sin(x) * x;
    }

    static double level2(double x) {
        double s = 0;
        for (int i = 1; i <= 3; i++) s += level3(x * i) / i;
        return s;
    }

    static double level1(double x) {
        return level2(x) + new Scaler(1.5).scale(x);
    }

    static final class Scaler {
        private final double k;

        Scaler(double k) {
            this.k = k;
        }

        double scale(double x) {
            return k * x * x;
        }
    }

    static <T> double generic(T tag, double x) {
        return tag.hashCode() % 2 == 0 ? x * x : x * x;
    }

    @Test
    void helpersWithoutAnnotationsAreDifferentiated() {
        for (double x : new double[] {-1.2, 0.3, 2.0}) {
            assertEquals(fd(HelpersEndToEndTest::level1, x), AD.derivative(HelpersEndToEndTest::level1, x), 1e-7);
            assertEquals(2 * x, AD.derivative(v -> generic("tag", v), x), 1e-12);
        }
    }

    static double recursesThroughHelper(double x, int n) {
        return n == 0 ? x : helperThatRecurses(x, n);
    }

    private static double helperThatRecurses(double x, int n) {
        return Math.cos(recursesThroughHelper(x * 0.9, n - 1));
    }

    @Test
    void recursionThroughAHelper() {
        double x = 0.7;
        assertEquals(fd(v -> recursesThroughHelper(v, 6), x), AD.derivative(v -> recursesThroughHelper(v, 6), x), 1e-7);
    }

    // ---- virtual dispatch ----

    interface Activation {
        double apply(double z);
    }

    static final class Tanh implements Activation {
        @Override
        public double apply(double z) {
            return Math.tanh(z);
        }
    }

    static class Softsign implements Activation {
        @Override
        public double apply(double z) {
            return z / (1 + Math.abs(z));
        }
    }

    static final class ScaledSoftsign extends Softsign {
        @Override
        public double apply(double z) {
            return 2 * super.apply(z);
        }
    }

    abstract static class Layer {
        abstract double forward(double x);

        double twice(double x) {
            return forward(forward(x));
        }
    }

    static final class Affine extends Layer {
        final double w;

        Affine(double w) {
            this.w = w;
        }

        @Override
        double forward(double x) {
            return w * x + 0.1;
        }
    }

    static double network(double x, Activation[] activations, DoubleUnaryOperator out) {
        double h = x;
        for (Activation a : activations) h = a.apply(h * 1.3);
        return out.applyAsDouble(h);
    }

    static final class Square implements DoubleUnaryOperator {
        @Override
        public double applyAsDouble(double v) {
            return v * v;
        }
    }

    @Test
    void virtualAndInterfaceCallsDispatchOnTheReceiver() {
        Activation[] acts = {new Tanh(), new Softsign(), new ScaledSoftsign(), new Tanh()};
        DoubleUnaryOperator out = new Square();
        for (double x : new double[] {-0.8, 0.4, 1.7}) {
            assertEquals(fd(v -> network(v, acts, out), x), AD.derivative(v -> network(v, acts, out), x), 1e-7);
        }
        Layer layer = new Affine(0.5);
        assertEquals(0.25, AD.derivative(layer::twice, 3.0), 1e-12);
    }

    /** Lambdas kept in fields: not serializable, their classes hidden. */
    static final class LambdaModel {
        final double gain = 1.7;
        final double[] table = {0.5, 2.0};
        final DoubleUnaryOperator squash = z -> z / (1 + z * z);
        final DoubleUnaryOperator scaled = z -> gain * Math.sin(z) * table[1];
        final DoubleUnaryOperator reference = Math::tanh;

        double apply(double x) {
            return squash.applyAsDouble(scaled.applyAsDouble(x)) + squash.applyAsDouble(x * x);
        }
    }

    @Test
    void lambdasInFieldsAreDifferentiatedFromTheSiteThatMadeThem() {
        LambdaModel m = new LambdaModel();
        for (double x : new double[] {-0.9, 0.2, 1.3}) {
            assertEquals(fd(m::apply, x), AD.derivative(m::apply, x), 1e-7);
        }
    }

    @Test
    void aLambdaWhoseCodeIsAMathFunctionRunsByItsRule() {
        LambdaModel m = new LambdaModel();
        assertEquals(1 - Math.pow(Math.tanh(1.0), 2), AD.derivative(v -> m.reference.applyAsDouble(v), 1.0), 1e-12);
    }

    // ---- a third-party library, differentiated from its bytecode ----

    @Test
    void commonsMathSpecialFunctions() {
        for (double x : new double[] {0.3, 1.1, 2.5, 7.5}) {
            // the derivative of log Γ is the digamma function, which Commons Math computes independently
            // (digamma itself is accurate to about 1e-8; finite differences agree to 1e-7)
            double d = AD.derivative(Gamma::logGamma, x);
            assertEquals(Gamma.digamma(x), d, 1e-7 * Math.max(1, Math.abs(d)));
            assertEquals(fd(Gamma::logGamma, x), d, 1e-6);
        }
        for (double x : new double[] {-1.5, -0.2, 0.4, 1.9}) {
            assertEquals(2 / Math.sqrt(Math.PI) * Math.exp(-x * x), AD.derivative(Erf::erf, x), 1e-9);
        }
    }

    // ---- custom rules ----

    static final AtomicInteger SOFTPLUS_RULE_CALLS = new AtomicInteger();

    static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }

    @AdjointOf("softplus")
    private static double softplusAdjoint(double x, double y, double dy) {
        SOFTPLUS_RULE_CALLS.incrementAndGet();
        return dy / (1 + Math.exp(-x));
    }

    @Test
    void aCustomRuleBesideTheMethodReplacesItsBody() {
        int before = SOFTPLUS_RULE_CALLS.get();
        double x = 0.6;
        assertEquals(3 / (1 + Math.exp(-x)), AD.derivative(v -> 3 * softplus(v), x), 1e-14);
        assertEquals(before + 1, SOFTPLUS_RULE_CALLS.get(), "the rule ran, not the differentiated body");
    }

    /** A straight-through estimator: rounds forward, passes the adjoint through backward (dy, by definition). */
    static double ste(double x) {
        return Math.rint(x);
    }

    @AdjointOf("ste")
    static double steAdjoint(double x, double y, double dy) {
        return dy;
    }

    static final DoubleUnaryOperator STE = HelpersEndToEndTest::ste;

    /** A body grad4j refuses (a try/catch), with a rule given for that reason. */
    static double guardedLog(double x) {
        try {
            return Math.log(x);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    @AdjointOf("guardedLog")
    static double guardedLogAdjoint(double x, double y, double dy) {
        return dy / x;
    }

    @Test
    void aCustomRuleHoldsHoweverAGradientReachesItsMethod() throws Exception {
        // rint's derivative is 0 wherever it has one: 1 comes from the rule only
        assertEquals(1.0, AD.derivative(v -> ste(v), 0.3), 0);
        assertEquals(1.0, AD.derivative(HelpersEndToEndTest::ste, 0.3), 0, "a method reference");
        assertEquals(1.0, (Double) AD.gradient(HelpersEndToEndTest.class.getDeclaredMethod("ste", double.class), null, 0.3)
                .get(0), 0, "AD.gradient(Method, ...)");
        assertEquals(1.0, AD.derivative(v -> STE.applyAsDouble(v), 0.3), 0, "a DoubleUnaryOperator in a field");
        assertEquals(2.0, AD.derivative(v -> ste(v) + STE.applyAsDouble(v), 0.3), 0);

        int before = SOFTPLUS_RULE_CALLS.get();
        assertEquals(fd(HelpersEndToEndTest::softplus, 0.6), AD.derivative(HelpersEndToEndTest::softplus, 0.6), 1e-9);
        assertEquals(before + 1, SOFTPLUS_RULE_CALLS.get(), "the rule ran, not the differentiated body");

        double x = 2.0;
        assertEquals(fd(HelpersEndToEndTest::guardedLog, x), AD.derivative(v -> guardedLog(v), x), 1e-8);
        assertEquals(fd(HelpersEndToEndTest::guardedLog, x), AD.derivative(HelpersEndToEndTest::guardedLog, x), 1e-8,
                "a body that would be refused, reached by a method reference");
    }

    /** A rule whose result parameter y is missing: a user's mistake, reported rather than skipped. */
    static final class BrokenRule {
        static double clampedLog(double x) {
            return Math.log(Math.max(x, 1e-12));
        }

        @AdjointOf("clampedLog")
        static double clampedLogAdjoint(double x, double dy) {
            return dy / x;
        }
    }

    @Test
    void aCustomRuleWithAWrongSignatureIsAnErrorThatSaysWhatItShouldBe() {
        TransformException e = assertThrows(TransformException.class,
                () -> AD.derivative(v -> 3 * BrokenRule.clampedLog(v), 2.0));
        String m = e.getMessage();
        assertTrue(m.startsWith("grad4j cannot use the rule " + BrokenRule.class.getName() + ".clampedLogAdjoint (HelpersEndToEndTest.java:"), m);
        assertTrue(m.contains("clampedLogAdjoint(double x, double dy) should be (double x, double y, double dy) for clampedLog(double)"), m);
        TransformException asEntry = assertThrows(TransformException.class, () -> AD.derivative(BrokenRule::clampedLog, 2.0),
                "a method reference to the method reports its broken rule too, rather than differentiating its body");
        assertTrue(asEntry.getMessage().startsWith("grad4j cannot use the rule " + BrokenRule.class.getName()
                + ".clampedLogAdjoint (HelpersEndToEndTest.java:"), asEntry.getMessage());
    }

    /** A class we pretend not to own. */
    static final class ThirdParty {
        static double cube(double x) {
            return x * x * x;
        }
    }

    static final AtomicInteger CUBE_RULE_CALLS = new AtomicInteger();

    @RulesFor("org/grad4j/agent/HelpersEndToEndTest$ThirdParty")
    public static final class CubeRules {
        @Adjoint(of = "cube")
        public static double cube(double x, double y, double dy) {
            CUBE_RULE_CALLS.incrementAndGet();
            return dy * 3 * x * x;
        }
    }

    @Test
    void aRegisteredRuleForAClassWeDoNotOwn() {
        AD.registerRules(CubeRules.class);
        int before = CUBE_RULE_CALLS.get();
        assertEquals(12.0, AD.derivative(v -> ThirdParty.cube(v) + 1, 2.0), 1e-12);
        assertTrue(CUBE_RULE_CALLS.get() > before, "the registered rule ran");
        int called = CUBE_RULE_CALLS.get();
        assertEquals(12.0, AD.derivative(ThirdParty::cube, 2.0), 1e-12);
        assertEquals(called + 1, CUBE_RULE_CALLS.get(), "a method reference to the method uses the registered rule too");
    }

    /** A third-party function of two doubles, given a rule for its first argument only. */
    static final class ThirdPartyPower {
        static double scaled(double x, double k) {
            return k * x * x;
        }
    }

    @RulesFor("org/grad4j/agent/HelpersEndToEndTest$ThirdPartyPower")
    public static final class HalfRules {
        @Adjoint(of = "scaled", arg = 0)
        public static double dx(double x, double k, double y, double dy) {
            return dy * 2 * k * x;
        }
    }

    @Test
    void aRegisteredRuleThatLeavesAnArgumentOutIsRefused() {
        // the derivative with respect to k would silently be 0
        GradientException e = assertThrows(GradientException.class, () -> AD.registerRules(HalfRules.class));
        assertTrue(e.getMessage().contains("give no adjoint for argument 1 (double)")
                && e.getMessage().contains("@Adjoint(of = \"scaled\", arg = 1)"), e.getMessage());
    }

    @Test
    void stopGradient() {
        double x = 1.5;
        // d/dv (v · c · v) with c = v held constant: 2·c·v, not 3·v²
        assertEquals(2 * x * x, AD.derivative(v -> v * AD.stopGradient(v) * v, x), 1e-12);
    }
}
