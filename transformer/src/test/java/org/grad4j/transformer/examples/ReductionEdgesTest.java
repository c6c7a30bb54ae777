package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.grad4j.transformer.ActivityMask;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.GeneratedCode;
import org.grad4j.transformer.Transformer;
import org.grad4j.transformer.split.TapedLoops;
import org.grad4j.transformer.testing.Harness;
import org.grad4j.transformer.testing.Plans;
import org.grad4j.transformer.testing.RandomArrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Loops at the edge of what a reduction is ({@link ReductionProbes}): gradients against finite
 * differences in both variants, which loops the plan takes for reductions, and the size of the
 * code a loop with many {@code continue}s becomes.
 */
class ReductionEdgesTest {
    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private final Random random = new Random(5);

    private double[] arr(int n) {
        return RandomArrays.uniform(random, n);
    }

    @Test
    void gradientsAtTheEdgesMatchFiniteDifferences() {
        for (int trial = 0; trial < 3; trial++) {
            int n = 1 + random.nextInt(8);
            check(ReductionProbes.class, "newValueReadLater", arr(n), arr(n));
            check(ReductionProbes.class, "arrayCopyLeaves", arr(n));
            check(ReductionProbes.class, "whileContinue", arr(n), 0.5 + random.nextDouble());
            check(ReductionProbes.class, "manyContinues", arr(12), 0.3 + random.nextDouble());
            check(ReductionProbes.class, "continues10", arr(12), 0.7);
            check(ReductionProbes.class, "twice", arr(n), arr(n));
            check(ReductionProbes.class, "modifiedAfter", arr(n), 0.7);
            check(ReductionProbes.class, "overwrittenAfter", arr(n), 0.7);
            check(ReductionProbes.class, "manyArgs", arr(n), arr(n), 0.5 + random.nextDouble(), random.nextDouble());
            check(ReductionProbes.class, "rec", arr(n), 3, 0.4);
            check(ReductionProbes.class, "recAdd", arr(n), 3);
            check(ReductionProbes.class, "masked", arr(n), arr(n), random.nextDouble() - 0.3);
            check(ReductionProbes.class, "tempInBranch", arr(n), 0.6);
            check(ReductionProbes.class, "fromStart", arr(n), Math.min(1, n - 1), 0.3);
            check(ReductionProbes.class, "slotReuse", arr(n), 0.6);
            check(ReductionProbes.class, "gather", arr(4), new int[] {0, 2, 2, 3, 0, 1});
            check(ReductionProbes.class, "inactiveUpdates", arr(n), 0.6);
            check(ReductionProbes.class, "ternary", arr(n), arr(n), 0.6);
            check(ReductionProbes.class, "twoLoops", arr(n));
            check(ReductionProbes.class, "powOnly", arr(n), 1.7);
            check(ReductionProbes.class, "atan2Only", arr(n), arr(n));
            check(ReductionProbes.class, "hypotOnly", arr(n), 0.4);
            check(ReductionProbes.class, "maxMinOnly", arr(n), arr(n), 0.4);
            check(ReductionProbes.class, "walk", arr(4 * n + 1), 0, 0.2);
        }
    }

    /** Where the sum's adjoint is 0 an infinite derivative in an iteration adds nothing: both variants alike. */
    @Test
    void anUnusedSumAddsNothing() {
        for (boolean outermost : new boolean[] {true, false}) {
            Harness.Result r = Harness.run(Harness.method(ReductionProbes.class, "unusedSumWithInfinity"), null, outermost,
                    new Object[] {new double[] {0.0, 0.4, 0.9}, 0.5});
            assertArrayEquals(new double[] {0.5, 0, 0}, r.shadow(0), 0);
            assertEquals(0.0, r.d(0), 0);
            Harness.Result hinge = Harness.run(Harness.method(ReductionProbes.class, "hingeOnSum"), null, outermost,
                    new Object[] {new double[] {0.0, 0.4, 0.9}, new double[] {0.3, 0.2, 0.1}});
            assertArrayEquals(new double[] {0.3, 0, 0}, hinge.shadow(0), 0);
        }
    }

    @Test
    void loopsBeyondTheConditionsAreNotReductions() {
        assertEquals(0, reductions("newValueReadLater").size(), "the new sum is read again: t = s");
        assertEquals(0, reductions("arrayCopyLeaves").size(), "an array put in a slot in the loop");
        assertEquals(0, reductions("clipped").size(), "a user's rule");
        assertEquals(0, reductions("walk").size(), "a method that calls itself");
        assertEquals(1, reductions("whileContinue").size(), "two jumps back to the header");
        assertEquals(1, reductions("continues10").size());
    }

    /** The iteration's reverse is emitted once, not at each continue: the function grows with them as the counted loop does. */
    @Test
    void continuesDoNotMultiplyTheCode() {
        int reduction = largestMethod("continues10", true), counted = largestMethod("continues10", false);
        assertTrue(reduction <= counted, "reduction " + reduction + " instructions, counted loop " + counted);
    }

    private static int largestMethod(String method, boolean outermost) {
        GeneratedCode code = new Transformer(ClassFileLocator.of(ReductionProbes.class.getClassLoader()))
                .generate(Type.getInternalName(ReductionProbes.class), method,
                        Transformer.canonicalKey(method + "([DD)D").substring(method.length())
                                + (outermost ? ActivityMask.OUTERMOST : ""));
        int largest = 0;
        for (GeneratedCode.GeneratedClass c : code.classes()) {
            ClassNode node = new ClassNode();
            new ClassReader(c.bytes()).accept(node, 0);
            for (MethodNode m : node.methods) largest = Math.max(largest, m.instructions.size());
        }
        return largest;
    }

    private static List<TapedLoops.Reduction> reductions(String method) {
        return Plans.reductions(ReductionProbes.class, method, true);
    }
}
