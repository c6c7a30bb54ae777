package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.grad4j.rules.RuleTable;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.analysis.CallResolver;
import org.grad4j.transformer.analysis.Callee;
import org.grad4j.transformer.ir.MethodIr;
import org.grad4j.transformer.lift.Lifter;
import org.grad4j.transformer.optimize.ValueNumbering;
import org.grad4j.transformer.read.ClassHierarchy;
import org.grad4j.transformer.testing.Harness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;

/** Value numbering drops recomputed values, never a load that a store or call may have changed. */
class ValueNumberingTest {
    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    @Test
    void repeatedLoadsAndIndexArithmeticAreComputedOnce() {
        MethodIr ir = numbered("reloads");
        assertEquals(2, count(ir, Opcodes.DALOAD), "x[i] and x[2i+1]");
        assertEquals(1, count(ir, Opcodes.IMUL), "2 * i");
        assertEquals(1, count(ir, Opcodes.IADD), "2 * i + 1");
    }

    @Test
    void aStoreOrACallBetweenLoadsKeepsBoth() {
        assertEquals(2, count(numbered("storeBetween"), Opcodes.DALOAD));
        assertEquals(2, count(numbered("callBetween"), Opcodes.DALOAD));
    }

    @Test
    void gradientsAreThoseOfTheCodeAsWritten() {
        double[] x = {0.3, -1.2, 0.8, 1.7, -0.4};
        for (int i = 0; i < 2; i++) {
            check(Repeats.class, "reloads", x.clone(), i);
            check(Repeats.class, "storeBetween", x.clone(), i);
            check(Repeats.class, "callBetween", x.clone(), i);
        }
    }

    private static MethodIr numbered(String method) {
        ClassFileLocator locator = ClassFileLocator.of(Repeats.class.getClassLoader());
        CallResolver calls = new CallResolver(RuleTable.global(), locator);
        ClassNode owner = calls.classNode("org/grad4j/transformer/examples/Repeats");
        var node = owner.methods.stream().filter(m -> m.name.equals(method)).findFirst().orElseThrow();
        return ValueNumbering.apply(Lifter.lift(owner, node, new ClassHierarchy(locator),
                c -> calls.resolve(c) instanceof Callee.Differentiated));
    }

    private static long count(MethodIr ir, int opcode) {
        return ir.blocks().stream().flatMap(b -> b.stmts().stream()).filter(s -> s.opcode() == opcode).count();
    }
}
