package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Loops that sum run each iteration's reverse in the forward pass, for a sum's adjoint of 1, and
 * scale by the real one afterwards ({@link TapedLoops.Reduction}): gradients against finite
 * differences at random points, with code after the loop that makes the sum's adjoint other than
 * 1, and the plans: which loops are reductions and which stay counted.
 */
class ReductionsTest {
    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private final Random random = new Random(11);

    private double[] randomArray(int n) {
        return RandomArrays.uniform(random, n);
    }

    @Test
    void gradientsOfSumsMatchFiniteDifferences() {
        for (int trial = 0; trial < 6; trial++) {
            int n = 1 + random.nextInt(9);
            check(Sums.class, "leastSquares", random.nextDouble() - 0.5, random.nextDouble(), randomArray(n), randomArray(n));
            check(Sums.class, "logLikelihood", randomArray(1 + random.nextInt(3)), 0.5 + random.nextDouble(), randomArray(n));
            check(Sums.class, "hinge", randomArray(n), randomArray(n), 0.05 + 0.2 * random.nextDouble());
            check(Sums.class, "aliased", randomArray(n));
            int from = random.nextInt(n + 1);
            check(Sums.class, "slice", randomArray(n), from, from + random.nextInt(n + 1 - from));
            check(Sums.class, "invariantUsedAfter", randomArray(n), random.nextDouble() + 0.2);
            check(Sums.class, "sumOnTheRight", randomArray(n));
            check(SumsElsewhere.class, "returnedAsIs", randomArray(n), randomArray(n), random.nextDouble());
            check(Sums.class, "returnedThroughHelper", randomArray(n), randomArray(n), random.nextDouble());
            int d = random.nextInt(4), samples = 1 + random.nextInt(5);
            double[] labels = new double[samples];
            for (int i = 0; i < samples; i++) labels[i] = random.nextBoolean() ? 1 : -1;
            check(Sums.class, "logistic", randomArray(d), random.nextDouble(), randomArray(samples * d), labels);
            check(Sums.class, "perSample", randomArray(d), random.nextDouble(), randomArray(samples * d), labels);
            check(Sums.class, "offsets", randomArray(d), randomArray(samples * d), randomArray(samples));
            check(Sums.class, "innerBranches", randomArray(d), randomArray(samples * d), randomArray(samples));
            double[][] rows = new double[samples][];
            for (int i = 0; i < samples; i++) rows[i] = randomArray(d);
            Sums.samples = rows;
            check(Sums.class, "huber", randomArray(d + 1), randomArray(samples));
            check(Sums.class, "huberThroughHelper", randomArray(d + 1), randomArray(samples));
            check(Sums.class, "ternarySum", randomArray(n));
            check(Sums.class, "keptAside", randomArray(n));
            check(Sums.class, "restarted", randomArray(n));
            check(Sums.class, "reset", randomArray(n));
            check(Sums.class, "doubled", randomArray(n));
            check(Sums.class, "readAgain", randomArray(n));
            check(Sums.class, "renamed", randomArray(n), randomArray(n));
            check(Sums.class, "carriedPrevious", randomArray(n));
            check(Sums.class, "alternating", randomArray(n));
            check(Sums.class, "sumReadInside", randomArray(n));
            check(Sums.class, "twoSums", randomArray(n));
            check(Sums.class, "sumBesideAWatchedMaximum", randomArray(n));
            check(Sums.class, "kahan", randomArray(n));
            check(Sums.class, "streamedSquares", randomArray(n));
            check(Sums.class, "storesInside", randomArray(n));
            check(Sums.class, "perRow", randomArray(n), random.nextInt(4));
        }
    }

    @Test
    void aLoopThatNeverRunsAddsNothing() {
        check(Sums.class, "slice", randomArray(4), 2, 2);
        check(Sums.class, "invariantUsedAfter", new double[0], 0.7);
        check(Sums.class, "hinge", new double[0], new double[0], 0.1);
    }

    /** A zero adjoint contributes nothing, even times an infinite derivative (USER-GUIDE, conventions). */
    @Test
    void aSumWhoseAdjointIsZeroContributesNothing() {
        for (boolean outermost : new boolean[] {true, false}) {
            double[] g = Harness.run(Harness.method(Sums.class, "cappedRoots"), null, outermost, new Object[] {new double[] {0, 1, 5}}).shadow(0);
            assertArrayEquals(new double[] {0, 0, 1}, g, outermost ? "where a gradient starts" : "called");
        }
    }

    /** Elements the loop never reads get nothing from it, whatever the sum's adjoint (here infinite). */
    @Test
    void elementsNoIterationReadGetNothingFromTheSum() {
        for (boolean outermost : new boolean[] {true, false}) {
            double[] g = Harness.run(Harness.method(Sums.class, "normPlusBias"), null, outermost, new Object[] {new double[] {0, 0, 0, 0.5}})
                    .shadow(0);
            assertEquals(1.0, g[3], 0, outermost ? "where a gradient starts" : "called");
        }
    }

    /** A user's rule sees the real adjoint: a loop through one is not a reduction. */
    @Test
    void aUsersRuleSeesTheRealAdjoint() {
        for (boolean outermost : new boolean[] {true, false}) {
            double[] g = Harness.run(Harness.method(Sums.class, "sumOfClipped"), null, outermost, new Object[] {new double[] {0.1, 0.2, 0.3}})
                    .shadow(0);
            assertArrayEquals(new double[] {1, 1, 1}, g, outermost ? "where a gradient starts" : "called");
        }
        assertEquals(0, reductions("sumOfClipped", true).size());
    }

    /** Each gradient gets zeroed buffers, whatever the one before left (the pool itself: ValueTapeTest). */
    @Test
    void repeatedGradientsAgree() {
        double[] x = randomArray(7);
        for (int k = 0; k < 3; k++) check(Sums.class, "aliased", x);
    }

    @Test
    void loopsThatOnlySumAreReductionsWhereAGradientStarts() {
        for (String sum : List.of("leastSquares", "logLikelihood", "hinge", "aliased", "slice", "invariantUsedAfter",
                "sumOnTheRight", "logistic", "perSample", "perRow", "offsets", "huber", "ternarySum", "keptAside", "renamed",
                "sumBesideAWatchedMaximum")) {
            assertEquals(1, reductions(sum, true).size(), sum);
            assertEquals(0, reductions(sum, false).size(), sum + ", called from generated code");
        }
        assertEquals(true, Plans.reductions(SumsElsewhere.class, "returnedAsIs", true).get(0).returned(),
                "return s right after the loop");
        assertEquals(false, reductions("slice", true).get(0).returned(), "return Math.log(s)");
        TapedLoops.Reduction hinge = reductions("hinge", true).get(0);
        assertEquals(true, hinge.masked(), "the hinge's sum grows on some iterations only");
        TapedLoops.Reduction line = reductions("leastSquares", true).get(0);
        assertEquals(2, line.arrays().size(), "t and y: buffers");
        assertEquals(2, line.invariants().size(), "a and b: sums in locals");
    }

    /** After inlining too: s += huberOf(e) keeps the old sum in a local the inliner spills the operand stack into. */
    @Test
    void aSumThroughAnInlinedHelperIsAReduction() {
        assertEquals(2, buffersAskedFor("huberThroughHelper", "([D[D)D#11"), "a buffer each for w and ys: the loop is a reduction");
    }

    /** A stream's sum() fused into a loop carries the JDK's compensation beside the simple sum: a reduction still. */
    @Test
    void aStreamsSumIsAReduction() {
        assertEquals(1, buffersAskedFor("streamedSquares", "([D)D#1"), "a buffer for x: the fused loop is a reduction");
    }

    private static int buffersAskedFor(String method, String descriptorAndMask) {
        GeneratedCode code = new Transformer(ClassFileLocator.of(Sums.class.getClassLoader()))
                .generate(Type.getInternalName(Sums.class), method, descriptorAndMask + ActivityMask.OUTERMOST);
        ClassNode node = new ClassNode();
        new ClassReader(code.classes().get(0).bytes()).accept(node, 0);
        int buffers = 0;
        for (MethodNode m : node.methods) {
            for (AbstractInsnNode insn : m.instructions) {
                if (insn instanceof MethodInsnNode call && call.name.equals("adjointBuffer")) buffers++;
            }
        }
        return buffers;
    }

    @Test
    void loopsThatCarryMoreThanASumStayCounted() {
        for (String other : List.of("carriedPrevious", "alternating", "sumReadInside", "twoSums", "storesInside", "floatSum",
                "innerBranches", "restarted", "reset", "doubled", "readAgain", "kahan")) {
            assertEquals(0, reductions(other, true).size(), other);
        }
    }

    private static List<TapedLoops.Reduction> reductions(String method, boolean outermost) {
        return Plans.reductions(Sums.class, method, outermost);
    }
}
