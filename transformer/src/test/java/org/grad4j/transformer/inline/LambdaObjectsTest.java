package org.grad4j.transformer.inline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.grad4j.transformer.read.ClassFiles;
import org.grad4j.transformer.testing.ChildFirstLoader;
import org.grad4j.transformer.testing.SideBySide;
import org.grad4j.transformer.testing.GradientCheck;
import org.grad4j.transformer.testing.Harness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Lambdas replaced by calls of their bodies ({@link LambdaObjects}), on the bytecode javac
 * writes for {@link Closures}: the rewritten class runs beside the original on random inputs
 * with the same results to the bit (or the same exception), the lambdas that stay say why, and
 * the methods differentiate through the transformer against central differences.
 */
class LambdaObjectsTest {
    /** Lambdas that stay objects, by method: what the reason says. */
    private static final Map<String, String> KEPT = Map.of(
            "chosenOrNull", "may also hold null or another lambda",
            "passedToTheJdk", "is passed to Arrays.setAll, which is not inlined",
            "storedInAField", "is stored into a field",
            "composedByTheJdk", "has its method DoubleUnaryOperator.andThen called",
            "reassigned", "is passed to Closures.t2, which is not inlined",
            "composedByHand", "is captured by another lambda");
    /** Not differentiable as written: boxed values. */
    private static final Set<String> NOT_DIFFERENTIATED = Set.of("boxes");

    private static ClassNode rewritten;
    private static final Map<String, LambdaObjects.Replaced> REPLACED = new java.util.HashMap<>();
    private static Class<?> copy;

    @BeforeAll
    static void rewrite() {
        rewritten = ClassFiles.read(ChildFirstLoader.bytesOf(Closures.class));
        for (int i = 0; i < rewritten.methods.size(); i++) {
            MethodNode m = rewritten.methods.get(i);
            if ((m.access & Modifier.PUBLIC) == 0 || m.name.startsWith("<")) continue;
            LambdaObjects.Replaced r = LambdaObjects.replace(rewritten.name, m, call -> "");
            REPLACED.put(m.name, r);
            rewritten.methods.set(i, r.method());
        }
        copy = ChildFirstLoader.load(Closures.class, rewritten);
    }


    @Test
    void theRewrittenMethodsComputeWhatTheLambdasCompute() throws Exception {
        SideBySide.assertSameOutcomesOnRandomInputs(Closures.class, new Closures(), copy, copy.getDeclaredConstructor().newInstance(), 5);
    }

    @Test
    void lambdasCalledHereAreGoneAndTheOthersSayWhyTheyStay() {
        for (Method m : SideBySide.publicMethods(Closures.class)) {
            LambdaObjects.Replaced r = REPLACED.get(m.getName());
            List<String> left = new ArrayList<>();
            for (AbstractInsnNode insn : r.method().instructions) {
                if (insn instanceof InvokeDynamicInsnNode d && LambdaSite.of(d) != null) left.add(d.name);
            }
            SideBySide.assertGoneOrKept(m.getName(), left, r.whyKept(), KEPT.get(m.getName()), "the lambda made on line \\d+ .*");
            if (!KEPT.containsKey(m.getName())) assertTrue(r.whyKept().isEmpty(), m.getName() + ": " + r.whyKept());
        }
    }

    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    @Test
    void lambdasCalledHereDifferentiate() {
        Random r = new Random(11);
        for (Method m : SideBySide.publicMethods(Closures.class)) {
            String name = m.getName();
            if (NOT_DIFFERENTIATED.contains(name) || KEPT.containsKey(name) && !name.equals("composedByHand")) continue;
            for (int trial = 0; trial < 3; trial++) {
                int n = 2 + r.nextInt(4);
                double[] x = new double[n], w = new double[n];
                for (int i = 0; i < n; i++) {
                    x[i] = 0.2 + r.nextDouble(); // positive: the square root's domain
                    w[i] = r.nextGaussian();
                }
                GradientCheck.check(m, new Closures(), x, w);
            }
        }
    }

    @Test
    void aLambdaCapturingADifferentiableValueThatLeavesIsRefusedSayingWhere() {
        Method m = Harness.method(Closures.class, "storedInAField");
        String message = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.TransformException.class,
                () -> GradientCheck.check(m, new Closures(), new double[] {1, 2}, new double[] {1, 2})).getMessage();
        assertTrue(message.contains("a lambda or dynamic call capturing a differentiable value, kept as an object: the lambda "
                + "made on line"), message);
        assertTrue(message.contains("is stored into a field"), message);
        assertTrue(message.contains(Type.getInternalName(Closures.class).replace('/', '.') + ".storedInAField"), message);
    }
}
