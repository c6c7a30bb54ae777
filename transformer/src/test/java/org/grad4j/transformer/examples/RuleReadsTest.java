package org.grad4j.transformer.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.grad4j.Differentiable;
import org.grad4j.transformer.analysis.AdjointReads;
import org.grad4j.transformer.ir.Block;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.ir.Value;
import org.grad4j.transformer.testing.Analysed;
import org.grad4j.transformer.testing.GradientCheck;
import org.grad4j.transformer.testing.Harness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * The values a rule on numbers keeps for its adjoint are the parameters its adjoint methods load
 * ({@code AdjointParameters}): {@code Math.exp} keeps its result, not its argument; {@code
 * Math.sin} its argument, not its result. The generated code passes the others a zero.
 */
class RuleReadsTest {
    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    @Differentiable
    public static double gates(double[] x) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            double z = 0.5 * x[i] - 0.25;
            s += Math.exp(z) * Math.sin(z) + Math.tanh(z) * Math.sqrt(1 + z * z);
        }
        return s * s;
    }

    @Test
    void aRuleKeepsWhatItsAdjointLoads() {
        Analysed a = Analysed.of(RuleReadsTest.class, "gates");
        for (String rule : List.of("exp", "tanh", "sqrt")) {
            Stmt call = call(a, rule);
            List<Value> read = readBy(a, call);
            assertTrue(read.contains(call.result()), rule + " reads its result");
            assertTrue(!read.contains(call.arg(0)), rule + " does not read its argument");
        }
        Stmt sin = call(a, "sin");
        List<Value> read = readBy(a, sin);
        assertTrue(read.contains(sin.arg(0)), "sin reads its argument (cos x)");
        assertTrue(!read.contains(sin.result()), "sin does not read its result");
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        java.util.Random r = new java.util.Random(5);
        for (int trial = 0; trial < 5; trial++) {
            double[] x = new double[1 + r.nextInt(6)];
            for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
            GradientCheck.check(RuleReadsTest.class, "gates", (Object) x);
        }
    }

    private static Stmt call(Analysed a, String name) {
        for (Block b : a.ir().blocks()) {
            for (Stmt s : b.stmts()) if (s.insn() instanceof MethodInsnNode m && m.name.equals(name)) return s;
        }
        throw new AssertionError("no call of " + name);
    }

    private static List<Value> readBy(Analysed a, Stmt s) {
        List<Value> values = new ArrayList<>();
        AdjointReads.of(s, a.activity(), values, new ArrayList<>());
        assertEquals(true, a.activity().isRuleOnNumbers(s), s.toString());
        return values;
    }
}
