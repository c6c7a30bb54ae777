package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.grad4j.transformer.split.TapedRecursion;
import org.grad4j.transformer.testing.Analysed;
import org.grad4j.transformer.testing.Harness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Recursions whose gradient runs as a forward and a reverse recursion over the value tape
 * ({@link TapedRecursion}), checked against central differences of the methods as written, in
 * both variants and without the value (see {@link org.grad4j.transformer.testing.GradientCheck}),
 * and the recursions that must stay continuation-passing.
 */
class TapedRecursionTest {
    private final Random random = new Random(7);

    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    /** Whether the method, its numbers and arrays differentiated ({@code mask}), runs as a taped recursion. */
    private static boolean taped(String method, String mask) {
        Analysed a = Analysed.of(Recursions.class, method, p -> mask.charAt(p) == '1');
        org.grad4j.transformer.analysis.CallResolver calls = new org.grad4j.transformer.analysis.CallResolver(
                org.grad4j.rules.RuleTable.global(), org.grad4j.transformer.ClassFileLocator.of(Recursions.class.getClassLoader()));
        return TapedRecursion.applies(a.ir(), a.cfg(), a.activity(), mask, calls::writesNothing);
    }

    private double[] randoms(int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = (random.nextDouble() * 2 - 1) * scale;
        return a;
    }

    /** The functions of the class generated for the method, every parameter asked differentiated (as the harness asks). */
    private static java.util.Set<String> generatedFunctions(String method) {
        return generatedFunctions(method, "");
    }

    /** As above, with {@code mask} ({@code ""}: every parameter). */
    private static java.util.Set<String> generatedFunctions(String method, String mask) {
        return generatedClass(method, mask).methods.stream().map(f -> f.name).collect(java.util.stream.Collectors.toSet());
    }

    private static org.objectweb.asm.tree.ClassNode generatedClass(String method, String mask) {
        java.lang.reflect.Method m = Harness.method(Recursions.class, method);
        org.grad4j.transformer.GeneratedCode code = new org.grad4j.transformer.Transformer(
                org.grad4j.transformer.ClassFileLocator.of(Recursions.class.getClassLoader()))
                .generate(org.objectweb.asm.Type.getInternalName(Recursions.class), method,
                        org.objectweb.asm.Type.getMethodDescriptor(m) + (mask.isEmpty() ? "" : "#" + mask));
        org.objectweb.asm.tree.ClassNode node = new org.objectweb.asm.tree.ClassNode();
        new org.objectweb.asm.ClassReader(code.classes().get(0).bytes()).accept(node, 0);
        return node;
    }

    /** How many instructions with {@code opcode} the forward function has. */
    private static long forwardInstructions(String method, int opcode) {
        return generatedClass(method, "").methods.stream().filter(f -> f.name.equals("forward"))
                .flatMap(f -> java.util.Arrays.stream(f.instructions.toArray())).filter(i -> i.getOpcode() == opcode).count();
    }

    @Test
    void theGradientChecksBelowRunTheTapedCode() {
        for (String method : new String[] {"tree", "power", "swaps", "halves", "branchy", "scaled", "callsAHelper",
                "alongLinks", "rows", "eitherOrNull", "throughGetters"}) {
            assertEquals(java.util.Set.of("entry", "forward", "reverse"), generatedFunctions(method), method);
        }
        assertEquals(java.util.Set.of("entry", "forward", "reverse"), generatedFunctions("scanning", "1011")); // scanningData's call
        // the chain as data (alongTheChain's call): its getters, of another class, run as they are
        assertEquals(java.util.Set.of("entry", "forward", "reverse"), generatedFunctions("alongAChain", "01"));
        for (String method : new String[] {"writesArray", "counted", "withLoop", "callsAnother", "throughACountingGetter",
                "drawing"}) {
            assertFalse(generatedFunctions(method).contains("forward"), method);
        }
    }

    @Test
    void recursionsThatCallOnlyThemselvesAndWriteNothingAreTaped() {
        assertTrue(taped("tree", "1100"));
        assertTrue(taped("power", "10"));
        assertTrue(taped("swaps", "110"));
        assertTrue(taped("halves", "100"));
        assertTrue(taped("branchy", "10"));
        assertTrue(taped("scaled", "10"));
        assertTrue(taped("tree", "1100" + org.grad4j.transformer.ActivityMask.OUTERMOST));
        assertTrue(taped("alongAChain", "01"), "calls getters of another class, which write nothing");
    }

    @Test
    void recursionsThatWriteLoopOrCallOthersAreNot() {
        assertFalse(taped("writesArray", "110"), "stores into an array");
        assertFalse(taped("counted", "10"), "stores into a field");
        assertFalse(taped("withLoop", "10"), "has a loop");
        assertFalse(taped("callsAnother", "10"), "calls another differentiated method");
        assertFalse(taped("throughACountingGetter", "01"), "calls a getter that writes a field");
        assertFalse(taped("drawing", "10"), "draws a random number");
        assertTrue(taped("scanning", "1011"), "a loop that carries no derivative");
    }

    @Test
    void treeModel() {
        for (int depth = 0; depth <= 5; depth++) {
            int nodes = (1 << (depth + 1)) - 1;
            check(Recursions.class, "tree", randoms(2 * nodes, 1.5), randoms(1 + depth, 2), 0, depth);
        }
    }

    @Test
    void powerBySquaring() {
        for (int n = 0; n <= 13; n++) {
            double x = 0.5 + random.nextDouble();
            check(Recursions.class, "power", x, n);
            assertEquals(n * Math.pow(x, n - 1), Harness.run(Recursions.class, "power", x, n).d(0),
                    1e-12 * Math.max(1, Math.pow(x, n)));
        }
    }

    /**
     * The number of the {@code return} a forward call took goes on the tape only where the reverse
     * cannot tell it from the parameters. One return: the record holds the flags of the blocks
     * that ran (the ternary's arms), no number. The tree's {@code depth == 0} and power's {@code n
     * == 0}, {@code n % 2 == 0}: nothing on the int stack at all (one path to each return, no
     * flags); the halves' {@code hi - lo == 1}: only {@code mid}, which the second call's reverse
     * is passed. {@code branchy} branches on values: the number.
     */
    @Test
    void returnsTheParametersTellNeedNoNumber() {
        assertTrue(taped("continuedFraction", "10"));
        for (int n = 0; n <= 9; n++) check(Recursions.class, "continuedFraction", random.nextDouble() * 4 - 2, n);
        assertEquals(1, forwardInstructions("continuedFraction", org.objectweb.asm.Opcodes.IASTORE), "the flag word alone");
        assertEquals(0, forwardInstructions("tree", org.objectweb.asm.Opcodes.IASTORE), "tree");
        assertEquals(0, forwardInstructions("power", org.objectweb.asm.Opcodes.IASTORE), "power");
        assertEquals(1, forwardInstructions("halves", org.objectweb.asm.Opcodes.IASTORE), "halves: mid");
        assertTrue(forwardInstructions("branchy", org.objectweb.asm.Opcodes.IASTORE) > 1, "branches on values: the number");
    }

    @Test
    void parametersThatChangePlaces() {
        for (int n = 0; n <= 7; n++) check(Recursions.class, "swaps", random.nextDouble() - 0.5, random.nextDouble() - 0.5, n);
    }

    @Test
    void divideAndConquer() {
        for (int length = 1; length <= 11; length++) check(Recursions.class, "halves", randoms(length, 1), 0, length);
    }

    @Test
    void branchesOnValuesAndSeveralReturns() {
        for (int i = 0; i < 40; i++) check(Recursions.class, "branchy", random.nextDouble() * 6 - 3, random.nextInt(7));
    }

    @Test
    void anInstanceMethodReadingItsReceiversField() {
        for (int length = 1; length <= 6; length++) {
            Recursions r = new Recursions(0.3 + random.nextDouble());
            check(Harness.method(Recursions.class, "scaled"), r, randoms(length, 1), 0);
        }
    }

    /** Found by a new-user probe: references popped from the tape must be cast back where they are passed on. */
    @Test
    void argumentsFromFieldsElementsAndBranches() {
        for (int n = 0; n <= 5; n++) {
            Recursions.Link links = null;
            for (int k = 0; k < n; k++) links = new Recursions.Link(0.4 + random.nextDouble(), links);
            check(Recursions.class, "alongLinks", links, random.nextDouble());
            double[][] m = new double[n + 1][];
            for (int k = 0; k <= n; k++) m[k] = randoms(2, 1);
            check(Recursions.class, "rows", m, randoms(2, 1), 0);
            // the outer call differentiates w, the calls it makes take FIXED as data: another variant, taped
            assertTrue(taped("fromStatic", "010"));
            check(Recursions.class, "fromStatic", randoms(2, 1), random.nextDouble(), n);
            check(Recursions.class, "eitherOrNull", randoms(1, 1), randoms(1, 1), random.nextDouble(), n);
            Recursions.Link chain = new Recursions.Link(0.3 + random.nextDouble(), null);
            for (int k = 0; k < n; k++) chain = new Recursions.Link(0.4 + random.nextDouble(), chain);
            check(Recursions.class, "throughGetters", chain, random.nextDouble());
            check(Recursions.class, "throughACountingGetter", chain, random.nextDouble());
            Chain c = new Chain(0.3 + random.nextDouble(), null);
            for (int k = 0; k < n; k++) c = new Chain(0.4 + random.nextDouble(), c);
            Recursions.chain = c;
            check(Recursions.class, "alongTheChain", random.nextDouble());
        }
    }

    @Test
    void recursionsLeftAsContinuationsStillDifferentiate() {
        for (int n = 1; n <= 5; n++) {
            check(Recursions.class, "writesArray", randoms(n, 1), new double[n], 0);
            check(Recursions.class, "counted", random.nextDouble(), n);
            check(Recursions.class, "withLoop", randoms(n, 1), n);
            check(Recursions.class, "callsAnother", random.nextDouble(), n);
            check(Recursions.class, "callsAHelper", random.nextDouble(), n);
            check(Recursions.class, "drawing", random.nextDouble(), n);
            Recursions.scanned = new double[] {0.5, 1.5, 2.5, 3.5, 4.5};
            check(Recursions.class, "scanningData", randoms(2, 1), random.nextDouble(), n);
        }
    }
}
