package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
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
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Loop nests without calls run as real loops whose blocks keep their values on the value tape:
 * gradients against finite differences at random points, for loops of many shapes, and the
 * generated code has no function that reaches itself (no loop became recursion).
 */
class TapedLoopsTest {
    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private final Random random = new Random(7);

    private double[] randomArray(int n) {
        return RandomArrays.uniform(random, n);
    }

    @Test
    void inPlaceUpdatesAndFixedIndexReadsMatchFiniteDifferences() {
        for (int trial = 0; trial < 6; trial++) {
            int n = 1 + random.nextInt(6);
            int[] idx = new int[1 + random.nextInt(2 * n)];
            for (int k = 0; k < idx.length; k++) idx[k] = random.nextInt(n); // repeats: the same element again
            check(Loops.class, "accumulations", randomArray(n), randomArray(1 + random.nextInt(n)), idx);
            checkFloatAccumulations(randomArray(n), idx);
            check(Loops.class, "requireNonNull", randomArray(n));
            check(Loops.class, "fixedIndexReads", randomArray(n), randomArray(1 + random.nextInt(3)), random.nextInt(n),
                    random.nextInt(4));
        }
        // no inner iteration, and no element k: nothing may read x[k] in reverse either
        check(Loops.class, "fixedIndexReads", randomArray(3), randomArray(2), 3, 0);
    }

    /** Float arithmetic carries 7 digits: a step of 1e-2 on a linear function keeps rounding out of the difference. */
    private static void checkFloatAccumulations(double[] a, int[] idx) {
        double[] g = Harness.run(Loops.class, "floatAccumulations", a.clone(), idx).shadow(0);
        for (int i = 0; i < a.length; i++) {
            double[] plus = a.clone(), minus = a.clone();
            plus[i] += 1e-2;
            minus[i] -= 1e-2;
            double fd = (Loops.floatAccumulations(plus, idx) - Loops.floatAccumulations(minus, idx)) / 2e-2;
            assertEquals(fd, g[i], 1e-3 * Math.max(1, Math.abs(fd)), "floatAccumulations d/da[" + i + "]");
        }
    }

    @Test
    void gradientsOfTapedLoopsMatchFiniteDifferences() {
        for (int trial = 0; trial < 4; trial++) {
            int n = 1 + random.nextInt(12);
            check(Loops.class, "rosenbrock", randomArray(n));
            check(Loops.class, "triangle", randomArray(n * (n - 1) / 2), randomArray(n));
            check(Loops.class, "branchy", randomArray(n), random.nextDouble() + 0.5);
            check(Loops.class, "early", randomArray(n), 0.2 + random.nextDouble() * n / 3);
            check(Loops.class, "recurrence", random.nextDouble(), random.nextDouble(), random.nextInt(9));
            check(Loops.class, "smooth", randomArray(n), random.nextInt(4));
            check(Loops.class, "rows", new double[][] {randomArray(n), randomArray(n), randomArray(n)}, randomArray(n));
            check(Loops.class, "skipping", randomArray(n), random.nextInt(n + 2));
            check(Loops.class, "fresh", randomArray(n));
            check(Loops.class, "overwrittenAfterHelper", randomArray(n), randomArray(n));
            check(Loops.class, "overwrittenAfterNest", randomArray(n));
            check(Loops.class, "scratch", randomArray(n), randomArray(n), permutation(n));
            check(Loops.class, "strided", randomArray(n), random.nextDouble() + 0.5);
            check(Loops.class, "rowThroughHolder", randomArray(n));
            check(Loops.class, "rowThroughCall", randomArray(n));
            check(Loops.class, "filledBefore", randomArray(n));
            check(Loops.class, "filledBeforeAndAfter", randomArray(n));
            check(Loops.class, "filledThenHandedOn", randomArray(n));
            check(Loops.class, "constantWeights", randomArray(n));
            check(Loops.class, "chosenThenWritten", randomArray(n + 1), random.nextBoolean());
            check(Loops.class, "filledByHelper", randomArray(n));
            check(Loops.class, "constantMatrices", randomArray(n));
            check(Loops.class, "matricesWithDifferentiableRows", randomArray(n));
            check(Loops.class, "filledReturnedOverwritten", randomArray(n));
            check(Loops.class, "copiedIntoInput", randomArray(n), new int[1][]);
            check(Loops.class, "scratchRows", new double[][] {randomArray(n), randomArray(n), randomArray(n)}, randomArray(n));
            check(Loops.class, "sharedRows", new double[][] {randomArray(n), randomArray(n)}, randomArray(n));
            check(Loops.class, "copiedRows", new double[][] {randomArray(n), randomArray(n)}, randomArray(n));
            int hidden = 1 + random.nextInt(4);
            check(Loops.class, "dense", randomArray(hidden * n + hidden), new double[][] {randomArray(n), randomArray(n)}, hidden);
            check(Loops.class, "matrixRows", new double[][] {randomArray(n), randomArray(n), randomArray(n)}, randomArray(n));
            double[] stiffness = randomArray(n);
            for (int i = 0; i < n; i++) stiffness[i] = 1 + Math.abs(stiffness[i]);
            check(Loops.class, "springs", stiffness, random.nextInt(6));
            check(Loops.class, "shifting", randomArray(n + 1), random.nextInt(5));
            double[] masses = randomArray(n);
            for (int i = 0; i < n; i++) masses[i] = 1 + Math.abs(masses[i]);
            check(Loops.class, "pairForces", randomArray(2 * n), masses, random.nextInt(4));
            check(Loops.class, "checkedEveryStep", randomArray(n), randomArray(1));
            check(Loops.class, "gatedCells", randomArray(2 * n), 1 + random.nextInt(3));
            int d = 1 + random.nextInt(4);
            check(Loops.class, "layers", randomArray(d * d + d), randomArray(d * (1 + random.nextInt(3))), d);
        }
    }

    /** The check in a counted loop still throws, and the next gradient on the same thread is right. */
    @Test
    void aCheckInACountedLoopThrowsAsItDid() {
        double[] x = {0.5, Double.NaN, 2};
        IllegalArgumentException thrown = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Harness.run(Loops.class, "checkedEveryStep", x, new double[] {0.3}));
        assertEquals("x[1] is NaN", thrown.getMessage());
        check(Loops.class, "checkedEveryStep", randomArray(4), randomArray(1));
    }

    private int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    @Test
    void theOutermostCallReadsInputsAgainInsteadOfSavingThem() {
        // Rosenbrock's nest reads only x: where a gradient starts, it saves its index and no double
        assertEquals(0, tapeCalls("rosenbrock", "([D)D#1" + ActivityMask.OUTERMOST, "growD"));
        assertTrue(tapeCalls("rosenbrock", "([D)D#1" + ActivityMask.OUTERMOST, "growI") > 0);
        // called from generated code, the caller may change x before the reverse: the values are saved
        assertTrue(tapeCalls("rosenbrock", "([D)D#1", "growD") > 0);
        // a method that writes its input saves what it read even where a gradient starts
        assertTrue(tapeCalls("overwrittenAfterNest", "([D)D#1" + ActivityMask.OUTERMOST, "growD") > 0);
    }

    @Test
    void aCallAfterWhichNothingWritesStartsOutermostToo() {
        // the first call is followed by writes to w and x, the second only by an addition and the return
        assertEquals(List.of("11", "11" + ActivityMask.OUTERMOST), calleeMasks("overwrittenAfterHelper"));
        // the first call is followed by a call that only reads w and x: both start outermost
        assertEquals(List.of("11" + ActivityMask.OUTERMOST, "11" + ActivityMask.OUTERMOST), calleeMasks("twoReadingHelpers"));
        // a call in a loop runs again after itself
        assertEquals(List.of("11"), calleeMasks("readingHelperInALoop"));
    }

    @Test
    void callsFollowedByReadingCallsMatchFiniteDifferences() {
        java.util.Random random = new java.util.Random(31);
        for (int trial = 0; trial < 6; trial++) {
            int n = 1 + random.nextInt(6);
            double[] w = new double[n], x = new double[n];
            for (int i = 0; i < n; i++) {
                w[i] = random.nextDouble() - 0.5;
                x[i] = random.nextDouble() - 0.5;
            }
            org.grad4j.transformer.testing.GradientCheck.check(Loops.class, "twoReadingHelpers", w, x);
            org.grad4j.transformer.testing.GradientCheck.check(Loops.class, "readingHelperInALoop", w, x);
        }
    }

    /** The activity masks of the differentiated calls the outermost variant of {@code Loops.method} makes, sorted. */
    private static List<String> calleeMasks(String method) {
        GeneratedCode code = new Transformer(ClassFileLocator.of(Loops.class.getClassLoader()))
                .generate(Type.getInternalName(Loops.class), method, "([D[D)D#11" + ActivityMask.OUTERMOST);
        List<String> masks = new java.util.ArrayList<>();
        ClassNode node = new ClassNode();
        new ClassReader(code.classes().get(0).bytes()).accept(node, 0);
        for (MethodNode m : node.methods) {
            for (AbstractInsnNode insn : m.instructions) {
                if (insn instanceof org.objectweb.asm.tree.InvokeDynamicInsnNode indy && !indy.name.equals("move")) { // not a move to a worker
                    String descAndMask = (String) indy.bsmArgs[indy.bsmArgs.length - 1];
                    masks.add(descAndMask.substring(descAndMask.indexOf('#') + 1));
                }
            }
        }
        java.util.Collections.sort(masks);
        return masks;
    }

    @Test
    void aCountedLoopPushesNoNumberPerIteration() {
        // Rosenbrock's loop is counted: the reverse pass dispatches on one number, the loop's record
        GeneratedCode code = new Transformer(ClassFileLocator.of(Loops.class.getClassLoader()))
                .generate(Type.getInternalName(Loops.class), "rosenbrock", "([D)D#1" + ActivityMask.OUTERMOST);
        ClassNode node = new ClassNode();
        new ClassReader(code.classes().get(0).bytes()).accept(node, 0);
        List<List<Integer>> keys = new java.util.ArrayList<>();
        for (MethodNode m : node.methods) {
            for (AbstractInsnNode insn : m.instructions) {
                if (insn instanceof org.objectweb.asm.tree.LookupSwitchInsnNode s) keys.add(s.keys);
            }
        }
        assertEquals(1, keys.size());
        assertEquals(1, keys.get(0).size());
        assertTrue(keys.get(0).get(0) < 0, "a counted loop's number is negative: " + keys);
    }

    @Test
    void aCountedLoopRecomputesWhatItsCountersGive() {
        // dense's inner loop reads w[h * in + j] and x[j]: both come back from the counted-back j
        // and h (pushed once per run), so only z, once per h, goes to the double stack
        assertEquals(1, tapeCalls("dense", "([D[[DI)D#100" + ActivityMask.OUTERMOST, "growD"));
    }

    /**
     * A nest with a loop inside makes room on the tape at the start of each of its iterations, so
     * that its inner pushes never grow it (see TapeEmitter.RESERVED); a row that saves more
     * (17,000 values) still grows it where it pushes. Against the analytic gradient: with
     * {@code acc_c = 0.9999 acc_(c-1) + x_c sin x_c}, {@code d total / d x_c = 2 acc_end 0.9999^(cols-1-c) (sin x_c + x_c cos x_c)}.
     */
    @Test
    void aRowThatSavesMoreThanTheRoomMadeForItGrowsTheTape() {
        int rows = 2, cols = 17_000;
        List<TapedLoops.Tape> tapes = Plans.tapes(Loops.class, "longRows", true);
        assertEquals(1, tapes.size());
        assertTrue(tapes.get(0).nested() && !tapes.get(0).counted().isEmpty(), "a nest with a counted loop inside");
        double[] x = randomArray(rows * cols);
        double[] expected = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double acc = 0;
            for (int c = 0; c < cols; c++) acc = 0.9999 * acc + x[r * cols + c] * Math.sin(x[r * cols + c]);
            double decay = 1;
            for (int c = cols - 1; c >= 0; c--) {
                double v = x[r * cols + c];
                expected[r * cols + c] = 2 * acc * decay * (Math.sin(v) + v * Math.cos(v));
                decay *= 0.9999;
            }
        }
        for (boolean outermost : new boolean[] {true, false}) {
            Harness.Result result = Harness.run(Harness.method(Loops.class, "longRows"), null, outermost,
                    new Object[] {x.clone(), rows});
            double[] g = result.shadow(0);
            for (int i = 0; i < x.length; i++) assertEquals(expected[i], g[i], 1e-9 * (1 + Math.abs(expected[i])), "x[" + i + "]");
        }
    }

    /**
     * How many calls of the value tape's method {@code name} the main generated class makes to
     * push values: a nest with loops inside also makes room for many entries at once, at the start
     * of each of its iterations (a call of its own, not counted).
     */
    private static int tapeCalls(String method, String descriptorAndMask, String name) {
        GeneratedCode code = new Transformer(ClassFileLocator.of(Loops.class.getClassLoader()))
                .generate(Type.getInternalName(Loops.class), method, descriptorAndMask);
        ClassNode node = new ClassNode();
        new ClassReader(code.classes().get(0).bytes()).accept(node, 0);
        int calls = 0;
        for (MethodNode m : node.methods) {
            for (AbstractInsnNode insn : m.instructions) {
                if (insn instanceof MethodInsnNode call && call.owner.equals("org/grad4j/runtime/ValueTape")
                        && call.name.equals(name) && entriesMadeRoomFor(call) < 1024) {
                    calls++;
                }
            }
        }
        return calls;
    }

    /** The constant {@code n} of a grow call's argument {@code top + n}. */
    private static int entriesMadeRoomFor(MethodInsnNode call) {
        AbstractInsnNode n = call.getPrevious().getPrevious(); // ..., top, n, IADD, call
        if (n instanceof IntInsnNode i) return i.operand;
        if (n instanceof InsnNode c && c.getOpcode() >= Opcodes.ICONST_0 && c.getOpcode() <= Opcodes.ICONST_5) {
            return c.getOpcode() - Opcodes.ICONST_0;
        }
        if (n instanceof LdcInsnNode ldc) return (Integer) ldc.cst;
        throw new AssertionError("no constant before " + call.name);
    }

    @Test
    void nestsBetweenCallsAtALargerSize() {
        int d = 10;
        check(Loops.class, "layers", randomArray(d * d + d), randomArray(3 * d), d);
    }

    @Test
    void aNestTooBigToCompileWhenTapedRunsAsRecursionAndLeavesTheOthersTaped() {
        // HotSpot compiles no method over 8,000 bytes; taped, the first nest's function would be
        // ~8,300 (checked with the limit in Transformer raised): it is generated as recursion, and
        // the small loop after it stays taped
        check(Loops.class, "heavyThenLight", randomArray(5));
        GeneratedCode code = new Transformer(ClassFileLocator.of(Loops.class.getClassLoader()))
                .generate(Type.getInternalName(Loops.class), "heavyThenLight", "([D)D");
        byte[] bytes = code.classes().get(0).bytes();
        int longest = org.grad4j.transformer.read.ClassFiles.longestCode(bytes);
        assertTrue(longest <= 8000, "longest generated method: " + longest + " bytes");
        ClassNode c = new ClassNode();
        new ClassReader(bytes).accept(c, 0);
        boolean taped = false;
        for (MethodNode m : c.methods) {
            for (AbstractInsnNode insn : m.instructions) {
                taped |= insn instanceof MethodInsnNode call && call.name.equals("tape") && call.owner.endsWith("/Ctx");
            }
        }
        assertTrue(taped, "the small loop runs on the value tape");
    }

    @Test
    void theLongestCodeOfAClassFile() {
        org.objectweb.asm.ClassWriter w = new org.objectweb.asm.ClassWriter(org.objectweb.asm.ClassWriter.COMPUTE_MAXS);
        w.visit(org.objectweb.asm.Opcodes.V17, org.objectweb.asm.Opcodes.ACC_PUBLIC, "Sized", null, "java/lang/Object", null);
        w.visitField(org.objectweb.asm.Opcodes.ACC_STATIC, "f", "I", null, 7).visitEnd();
        for (int size : new int[] {3, 1201, 40}) {
            var m = w.visitMethod(org.objectweb.asm.Opcodes.ACC_STATIC, "m" + size, "()V", null, null);
            m.visitCode();
            for (int i = 0; i < size - 1; i++) m.visitInsn(org.objectweb.asm.Opcodes.NOP);
            m.visitInsn(org.objectweb.asm.Opcodes.RETURN);
            m.visitMaxs(0, 0);
            m.visitEnd();
        }
        w.visitEnd();
        assertEquals(1201, org.grad4j.transformer.read.ClassFiles.longestCode(w.toByteArray()));
    }

    @Test
    void floatLoops() {
        float[] x = {0.3f, -0.7f, 1.1f, 0.05f};
        Harness.Result r = Harness.run(Harness.method(Loops.class, "floats"), null, x.clone(), 1.5f);
        float[] g = (float[]) r.shadows().get(0);
        for (int i = 0; i < x.length; i++) { // d/dx_i of x_i^2 c - cos x_i
            assertEquals(2 * x[i] * 1.5 + Math.sin(x[i]), g[i], 1e-5);
        }
        double dc = 0;
        for (float v : x) dc += v * v;
        assertEquals(dc, r.d(0), 1e-5);
    }

    @Test
    void callFreeLoopNestsBecomeNoRecursion() {
        for (String name : List.of("rosenbrock", "triangle", "branchy", "early", "recurrence", "smooth", "rows", "floats",
                "skipping", "fresh", "shifting")) {
            assertEquals(false, hasRecursion(name), name);
        }
        // a nest between calls of a loop helper: the nest is taped, the loop around it stays recursion
        assertEquals(true, callsTheTape("layers"), "layers");
    }

    /** Whether some generated function uses the value tape. */
    private static boolean callsTheTape(String name) {
        for (MethodNode m : generated(name).methods) {
            for (AbstractInsnNode i : m.instructions) {
                if (i instanceof MethodInsnNode call && call.name.equals("tape")) return true;
            }
        }
        return false;
    }

    /** Whether some generated function can reach itself through calls of the class's functions. */
    private static boolean hasRecursion(String name) {
        ClassNode c = generated(name);
        for (MethodNode m : c.methods) if (reaches(c, m, m.name, new java.util.HashSet<>())) return true;
        return false;
    }

    private static boolean reaches(ClassNode c, MethodNode from, String target, java.util.Set<String> seen) {
        for (AbstractInsnNode i : from.instructions) {
            if (!(i instanceof MethodInsnNode call) || !call.owner.equals(c.name)) continue;
            if (call.name.equals(target)) return true;
            if (!seen.add(call.name)) continue;
            for (MethodNode m : c.methods) if (m.name.equals(call.name) && reaches(c, m, target, seen)) return true;
        }
        return false;
    }

    private static List<String> selfCallingFunctions(String name) {
        ClassNode c = generated(name);
        return c.methods.stream().filter(m -> calls(m, c.name, m.name)).map(m -> m.name).toList();
    }

    private static boolean calls(MethodNode m, String owner, String name) {
        for (AbstractInsnNode i : m.instructions) {
            if (i instanceof MethodInsnNode call && call.owner.equals(owner) && call.name.equals(name)) return true;
        }
        return false;
    }

    private static ClassNode generated(String name) {
        String desc = Type.getMethodDescriptor(Harness.method(Loops.class, name));
        GeneratedCode code = new Transformer(ClassFileLocator.of(Loops.class.getClassLoader()))
                .generate(Type.getInternalName(Loops.class), name, desc);
        ClassNode c = new ClassNode();
        new ClassReader(code.classes().get(0).bytes()).accept(c, 0);
        return c;
    }
}
