package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.grad4j.transformer.ActivityMask;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.GeneratedCode;
import org.grad4j.transformer.Transformer;
import org.grad4j.transformer.ir.Stmt;
import org.grad4j.transformer.split.TapedLoops;
import org.grad4j.transformer.testing.Harness;
import org.grad4j.transformer.testing.Plans;
import org.grad4j.transformer.testing.RandomArrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.util.Printer;

/**
 * A sum the method returns as it is: {@code AD.gradient} does not want the value, and the loop
 * skips what only forms it ({@link TapedLoops.Reduction#sumOnly}). {@code check} runs every
 * gradient with the value (which must equal the plain call's) and without it (the same gradient,
 * bit for bit), and compares with finite differences; the plans say which statements are skipped,
 * worked out from what each adjoint reads.
 */
class ReturnedSumsTest {
    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private final Random random = new Random(29);

    private double[] randomArray(int n) {
        return RandomArrays.uniform(random, n);
    }

    @Test
    void gradientsWithAndWithoutTheValueMatchFiniteDifferences() {
        for (int trial = 0; trial < 8; trial++) {
            int n = random.nextInt(9);
            check(Loops.class, "rosenbrock", randomArray(n));
            check(ReturnedSums.class, "throughLocals", randomArray(n), randomArray(n));
            check(ReturnedSums.class, "throughAHelper", randomArray(n), randomArray(n));
            check(ReturnedSums.class, "throughACall", randomArray(n), randomArray(n), random.nextDouble() - 0.5);
            check(ReturnedSums.class, "throughAWrapper", randomArray(n), randomArray(n), random.nextDouble() - 0.5);
            check(ReturnedSums.class, "scaledCall", randomArray(n), randomArray(n), random.nextDouble() - 0.5);
            check(ReturnedSums.class, "callTimesParameter", randomArray(n), randomArray(n), random.nextDouble() - 0.5);
            check(ReturnedSums.class, "readByARule", randomArray(n));
            check(ReturnedSums.class, "quotients", randomArray(n));
            check(ReturnedSums.class, "mixedTerms", randomArray(n));
            check(ReturnedSums.class, "penalised", randomArray(n), randomArray(n), random.nextDouble());
            check(ReturnedSums.class, "chained", randomArray(n), randomArray(n));
            check(ReturnedSums.class, "branches", randomArray(n), random.nextDouble() - 0.5);
            check(ReturnedSums.class, "ternary", randomArray(n));
            check(ReturnedSums.class, "clamped", randomArray(n));
            check(ReturnedSums.class, "keptAside", randomArray(n));
            check(ReturnedSums.class, "mean", randomArray(n), randomArray(n));
            check(ReturnedSums.class, "scaledAndShifted", randomArray(n), random.nextDouble() - 0.5);
            check(ReturnedSums.class, "scaledByAParameter", randomArray(n), random.nextDouble() - 0.5);
            check(ReturnedSums.class, "capped", randomArray(n));
            check(ReturnedSums.class, "termAcrossABranch", randomArray(n));
            check(Sums.class, "streamedSquares", randomArray(n));
            check(Sums.class, "scaledStream", randomArray(n));
            check(Sums.class, "logOfAStream", randomArray(n));
            int d = 1 + random.nextInt(3), samples = random.nextInt(5);
            double[] labels = new double[samples];
            for (int i = 0; i < samples; i++) labels[i] = random.nextBoolean() ? 1 : -1;
            check(ReturnedSums.class, "squaredErrors", randomArray(d), randomArray(samples * d), randomArray(samples));
            check(ReturnedSums.class, "logistic", randomArray(d), randomArray(samples * d), labels);
        }
    }

    /** Large values too: the skipped arithmetic is where an overflow would show in the value. */
    @Test
    void theGradientDoesNotDependOnTheSkippedValue() {
        double[] x = {1e200, -3, 2e-300, 7};
        Harness.Result with = Harness.run(Harness.method(ReturnedSums.class, "throughLocals"), null, x.clone(), new double[4]);
        Harness.Result without = Harness.runGradientOnly(Harness.method(ReturnedSums.class, "throughLocals"), null, x.clone(),
                new double[4]);
        assertEquals(Double.POSITIVE_INFINITY, with.value());
        assertTrue(Double.isNaN(without.value()), "the value is not kept without being wanted");
        for (int i = 0; i < x.length; i++) assertEquals(2 * x[i], without.shadow(0)[i], 0, "d/dx" + i);
    }

    @Test
    void onlyWhatFormsTheSumAloneIsSkipped() {
        assertEquals(List.of("DMUL", "DMUL", "DADD", "DADD"), sumOnlyOf(only(Loops.class, "rosenbrock")),
                "100a·a, b·b, their sum, the update; 100a is a factor the product's adjoint reads");
        assertEquals(List.of("DMUL", "DADD"), sumOnly("throughLocals"), "r·r and the update");
        assertEquals(List.of("DADD", "DADD"), sumOnly("readByARule"), "t + sin t and the update: sin reads t");
        assertEquals(List.of("DSUB"), sumOnly("quotients"), "the division reads its quotient");
        assertEquals(List.of("DMUL", "I2D", "DMUL", "DMUL", "DSUB", "DADD", "DADD"), sumOnly("mixedTerms"),
                "x²·x, all of 0.5i − 3x, their sum and the update: x² is a factor the product's adjoint reads");
        assertEquals(List.of("DMUL", "DADD", "DMUL", "DADD"), sumOnly("penalised"),
                "r·r, the first update, λ·w² and the second: r, w² and λ are read by products' adjoints");
        assertEquals(List.of("DMUL", "DADD", "DSUB"), sumOnly("chained"), "x²y, the update and the subtraction");
        assertEquals(List.of("DMUL", "DADD"), sumOnly("keptAside"), "e·e and the update from the copy");
        assertEquals(List.of("DMUL", "DADD", "DMUL", "DADD"), sumOnly("clamped"),
                "0.1·sq and 1 + it on the branch (the new sq only forms the sum: its value leaves the block to form only the result), "
                        + "2·sq and the update; the sq compared stays");
        assertEquals(List.of("DMUL", "DMUL", "DADD"), sumOnly("termAcrossABranch"),
                "x·x (it leaves its block only to form the sum), w·t and the update; x is read by the square's adjoint");
        assertEquals(List.of("DMUL", "DADD"), sumOnly("squaredErrors"), "r·r and the outer update; the inner sum runs as it is");
        assertEquals(List.of("DADD"), sumOnly("logistic"), "log reads its argument and result");
        assertEquals(List.of(), sumOnlyOf(Plans.reductions(Sums.class, "slice", true).get(0)), "return Math.log(s) needs the sum");
        assertEquals(List.of("DMUL", "DADD"), sumOnlyOf(Plans.reductions(ReturnedSums.class, "mean", true).get(0)), "r·r, the update: s / n");
        assertEquals(List.of("DMUL", "DADD"), sumOnlyOf(Plans.reductions(ReturnedSums.class, "scaledAndShifted", true).get(0)),
                "sin x · x and the update (the product's adjoints read its factors, not it); 0.5·s and ±c only form the result");
        assertEquals(List.of(), sumOnlyOf(Plans.reductions(ReturnedSums.class, "scaledByAParameter", true).get(0)), "c̄ = r̄·s");
        assertEquals(List.of(), sumOnlyOf(Plans.reductions(ReturnedSums.class, "capped", true).get(0)), "a branch on s");
    }

    /** The generated code asks the top continuation whether it keeps the value: the sum is returned as it is. */
    @Test
    void aSumAnInlinedHelperReturnsIsReturnedAsItIs() {
        assertEquals(1, valueAskedFor(ReturnedSums.class, "throughAHelper", "([D[D)D#11"));
    }

    /**
     * A stream's sum() fused into a loop: its compensation and the simple sum only form the result
     * ({@code StreamSums.value} reads none of them for the derivative), and the element's term,
     * formed in the lambda's blocks, only forms them: a gradient that does not keep the value skips
     * them all, so the loop asks whether it is kept.
     */
    @Test
    void aStreamsSumIsSkippedWhereTheValueIsNotKept() {
        assertEquals(1, valueAskedFor(Sums.class, "streamedSquares", "([D)D#1"));
    }

    /**
     * The stream's result is its compensated sum ({@code StreamSums.value}), yet the adjoint of
     * the result passes to the simple sum as it is: the loop knows its sum's adjoint before it runs
     * (1 under {@code AD.gradient}) and adds to the shadows directly. Scaled, or under a log, it
     * does not.
     */
    @Test
    void aStreamsSumGetsTheAdjointOfTheResultAsItIs() {
        assertEquals(1, calls(Sums.class, "streamedSquares", "([D)D#1", "seedsOne"), "the sum's adjoint is the result's");
        assertEquals(0, calls(Sums.class, "scaledStream", "([D)D#1", "seedsOne"), "3 · sum");
        assertEquals(0, calls(Sums.class, "logOfAStream", "([D)D#1", "seedsOne"), "log(1 + sum)");
        assertEquals(1, calls(Sums.class, "scaledStream", "([D)D#1", "adjointBuffer"), "3 · sum: a buffer, scaled by s̄ after");
    }

    private static int valueAskedFor(Class<?> host, String method, String descriptorAndMask) {
        return calls(host, method, descriptorAndMask, "discardsValue");
    }

    /** How many calls of methods named {@code name} the code generated for the outermost variant makes. */
    private static int calls(Class<?> host, String method, String descriptorAndMask, String name) {
        GeneratedCode code = new Transformer(ClassFileLocator.of(host.getClassLoader()))
                .generate(Type.getInternalName(host), method, descriptorAndMask + ActivityMask.OUTERMOST);
        int asked = 0;
        for (GeneratedCode.GeneratedClass c : code.classes()) {
            ClassNode node = new ClassNode();
            new ClassReader(c.bytes()).accept(node, 0);
            for (MethodNode m : node.methods) {
                for (AbstractInsnNode insn : m.instructions) {
                    if (insn instanceof MethodInsnNode call && call.name.equals(name)) asked++;
                }
            }
        }
        return asked;
    }

    /** A call whose result is returned as it is passes its caller's continuation on: no continuation class of its own. */
    @Test
    void aCallWhoseResultIsReturnedAsItIsTakesTheCallersContinuation() {
        GeneratedCode code = new Transformer(ClassFileLocator.of(ReturnedSums.class.getClassLoader()))
                .generate(Type.getInternalName(ReturnedSums.class), "throughACall", "([D[DD)D#111" + ActivityMask.OUTERMOST);
        assertEquals(1, code.classes().size(), "the function's class only");
        GeneratedCode wrapped = new Transformer(ClassFileLocator.of(ReturnedSums.class.getClassLoader()))
                .generate(Type.getInternalName(ReturnedSums.class), "throughAWrapper", "([D[DD)D#111" + ActivityMask.OUTERMOST);
        assertEquals(1, wrapped.classes().size(), "inlined, the call's result is moved to the return: still no continuation");
        for (GeneratedCode c : List.of(code, wrapped)) {
            ClassNode node = new ClassNode();
            new ClassReader(c.classes().get(0).bytes()).accept(node, 0);
            List<String> called = new ArrayList<>();
            for (MethodNode m : node.methods) {
                for (AbstractInsnNode insn : m.instructions) {
                    if (insn instanceof MethodInsnNode call && call.owner.equals(node.name)) called.add(call.name);
                }
            }
            for (MethodNode m : node.methods) {
                if (!m.name.equals("entry")) assertTrue(called.contains(m.name), m.name + " is called: the code after the call, which only returns, has no function");
            }
        }
        GeneratedCode viaScaled = new Transformer(ClassFileLocator.of(Sums.class.getClassLoader()))
                .generate(Type.getInternalName(Sums.class), "returnedThroughHelper", "([D[DD)D#111" + ActivityMask.OUTERMOST);
        assertEquals(2, viaScaled.classes().size(), "3 * returnedAsIs(...): the call's continuation multiplies by 3");
    }

    /** A call's continuation says it does not read the call's result where only the caller's result needs it. */
    @Test
    void aCallWhoseResultOnlyFormsTheResultSaysSoToItsCallee() {
        assertEquals(List.of("org/grad4j/runtime/DoubleContinuation", "org/grad4j/runtime/ValueUnread"),
                continuationInterfaces("scaledCall"), "0.5 · loss − c");
        assertEquals(List.of("org/grad4j/runtime/DoubleContinuation"), continuationInterfaces("callTimesParameter"),
                "loss · c: c̄ reads the loss");
    }

    private static List<String> continuationInterfaces(String method) {
        GeneratedCode code = new Transformer(ClassFileLocator.of(ReturnedSums.class.getClassLoader()))
                .generate(Type.getInternalName(ReturnedSums.class), method, "([D[DD)D#111" + ActivityMask.OUTERMOST);
        assertEquals(2, code.classes().size(), "the function and the call's continuation");
        ClassNode node = new ClassNode();
        new ClassReader(code.classes().get(1).bytes()).accept(node, 0);
        return node.interfaces;
    }

    private static List<String> sumOnly(String method) {
        return sumOnlyOf(only(ReturnedSums.class, method));
    }

    private static TapedLoops.Reduction only(Class<?> host, String method) {
        List<TapedLoops.Reduction> found = Plans.reductions(host, method, true);
        assertEquals(1, found.size(), method + " is one reduction");
        assertTrue(found.get(0).returned(), method + " returns its sum");
        return found.get(0);
    }

    private static List<String> sumOnlyOf(TapedLoops.Reduction r) {
        List<String> opcodes = new ArrayList<>();
        for (List<Stmt> block : r.sumOnly().values()) for (Stmt s : block) opcodes.add(Printer.OPCODES[s.opcode()]);
        return opcodes;
    }
}
