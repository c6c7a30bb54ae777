package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.grad4j.transformer.ActivityMask;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.GeneratedCode;
import org.grad4j.transformer.Transformer;
import org.grad4j.transformer.testing.Harness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Type;

/** Small helpers are inlined into their callers; the gradients stay those of the original code. */
class InliningTest {
    private final Random random = new Random(7);

    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private double r() {
        return random.nextDouble() * 4 - 2;
    }

    private double[] vector(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r();
        return v;
    }

    @Test
    void helperResultsStoredIntoArraysInALoop() {
        for (int n : new int[] {0, 1, 3, 9}) check(Helpers.class, "cell", vector(2 * n), vector(n), vector(n));
    }

    @Test
    void branchingHelpersInsideExpressions() {
        for (int i = 0; i < 30; i++) check(Helpers.class, "expressions", r(), r());
        // every branch of softClip: below, inside and above the limits
        for (double y : new double[] {-1.5, -0.2, 0.1, 0.9}) {
            for (double x : new double[] {-2, 0.3, 2}) check(Helpers.class, "expressions", x, y);
        }
    }

    @Test
    void voidHelperUpdatingAnArray() {
        for (int n : new int[] {0, 1, 5, 17}) check(Helpers.class, "updates", vector(n), r(), r());
    }

    @Test
    void helpersCallingHelpersLoopsAndRecursion() {
        for (int i = 0; i < 10; i++) check(Helpers.class, "chain", r(), vector(4));
        for (int n : new int[] {0, 1, 5}) check(Helpers.class, "threeLevels", vector(2 * n + 1), vector(n));
        for (int n = 0; n < 5; n++) check(Helpers.class, "mutual", r(), n);
    }

    @Test
    void helpersWithLoops() {
        for (int n : new int[] {0, 1, 4, 9}) check(Helpers.class, "loopHelpers", vector(n), r());
        assertEquals(0, continuations("loopHelpers", "([DD)D").size()); // x below the call waits in a local
    }

    @Test
    void privateAndFinalInstanceHelpers() throws Exception {
        java.lang.reflect.Method apply = Helpers.Cell.class.getDeclaredMethod("apply", double.class, double.class);
        for (double scale : new double[] {0.7, -1.3}) {
            for (int i = 0; i < 5; i++) check(apply, new Helpers.Cell(scale), r(), r());
        }
        // act(y) and act(x * y) are inlined, and twice with its two act calls inlined into it
        GeneratedCode code = new Transformer(ClassFileLocator.of(Helpers.class.getClassLoader()))
                .generate(Type.getInternalName(Helpers.Cell.class), "apply", "(DD)D");
        assertEquals(0, code.classes().stream().filter(c -> c.internalName().matches(".*\\$K\\d+")).count());
    }

    @Test
    void aHelperWithALoopIsInlinedWithThisWaitingBeneathIt() throws Exception {
        java.lang.reflect.Method loss = Helpers.Regression.class.getDeclaredMethod("loss", double[].class, double[][].class);
        for (int i = 0; i < 5; i++) {
            check(loss, new Helpers.Regression(0.5 + i), vector(3), new double[][] {vector(3), vector(3), vector(3)});
        }
        // huber(predict(...)): this (huber's receiver) is on the stack beneath predict's call; it
        // waits in a local, so predict's loop joins the loss's and no call is left
        GeneratedCode code = new Transformer(ClassFileLocator.of(Helpers.class.getClassLoader()))
                .generate(Type.getInternalName(Helpers.Regression.class), "loss", "([D[[D)D");
        assertEquals(0, code.classes().stream().filter(c -> c.internalName().matches(".*\\$K\\d+")).count());
    }

    /**
     * A helper called on this, inlined, reads this from the caller's slot 0: its field reads are
     * done once at the start of the gradient, not once per sample in the loop.
     */
    @Test
    void aHelperOnThisReadsItsFieldsOnceForTheWholeLoop() throws Exception {
        java.lang.reflect.Method loss = Helpers.Fitted.class.getDeclaredMethod("loss", double[].class, double[][].class);
        for (int i = 0; i < 4; i++) {
            check(loss, new Helpers.Fitted(vector(1), 0.5 + i), vector(3), new double[][] {vector(3), vector(3)});
        }
        GeneratedCode code = new Transformer(ClassFileLocator.of(Helpers.class.getClassLoader()))
                .generate(Type.getInternalName(Helpers.Fitted.class), "loss", "([D[[D)D#11" + ActivityMask.OUTERMOST);
        org.objectweb.asm.tree.ClassNode node = new org.objectweb.asm.tree.ClassNode();
        new org.objectweb.asm.ClassReader(code.classes().get(0).bytes()).accept(node, 0);
        List<String> reads = new java.util.ArrayList<>();
        for (org.objectweb.asm.tree.MethodNode m : node.methods) {
            for (org.objectweb.asm.tree.AbstractInsnNode insn : m.instructions) {
                String field = insn instanceof org.objectweb.asm.tree.FieldInsnNode f && f.getOpcode() == org.objectweb.asm.Opcodes.GETFIELD
                        ? f.name : insn instanceof org.objectweb.asm.tree.InvokeDynamicInsnNode indy ? indy.name : null;
                if ("offsets".equals(field) || "scale".equals(field)) reads.add(m.name + ":" + field);
            }
        }
        assertEquals(List.of("entry:offsets", "entry:scale"), reads.stream().sorted().toList());
    }

    @Test
    void floatHelper() {
        for (int i = 0; i < 10; i++) check(Helpers.class, "floats", (float) r());
    }

    @Test
    void inlinedHelpersNeedNoContinuation() {
        // a continuation class is generated per differentiated call site that stays a call
        assertEquals(List.of(), continuations("cell", "([D[D[D)D"));
        assertEquals(List.of(), continuations("expressions", "(DD)D"));
        assertEquals(List.of(), continuations("updates", "([DDD)D"));
        // twoLevels is inlined with the sigmoid and softClip it calls; sumSquares (a loop, called
        // with twoLevels' result on the stack) with that result waiting in a local; power, which
        // calls itself, is inlined once and its own call stays a call: one continuation
        assertEquals(1, continuations("chain", "(D[D)D").size());
        // a loop calling predict, which calls activation, which calls clip: one taped nest
        assertEquals(List.of(), continuations("threeLevels", "([D[D)D"));
        // helpers calling each other are not inlined into each other without end
        assertEquals(1, continuations("mutual", "(DI)D").size());
    }

    private static List<String> continuations(String name, String desc) {
        GeneratedCode code = new Transformer(ClassFileLocator.of(Helpers.class.getClassLoader()))
                .generate(Type.getInternalName(Helpers.class), name, desc);
        return code.classes().stream().map(GeneratedCode.GeneratedClass::internalName)
                .filter(n -> n.matches(".*\\$K\\d+")).toList();
    }
}
