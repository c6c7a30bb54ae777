package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;

import java.util.List;
import java.util.Random;
import org.grad4j.transformer.split.TapedLoops;
import org.grad4j.transformer.testing.Harness;
import org.grad4j.transformer.testing.Plans;
import org.grad4j.transformer.testing.RandomArrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reductions of nests at their edges ({@link NestProbes}, from a review): slots the second run of
 * an inner loop writes and the outer body or the next sample reads, inner loops in branches, one
 * after another, reading each other's sums, with bounds from the outer body; gradients and values
 * against finite differences in both variants.
 */
class NestProbesTest {
    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private final Random random = new Random(5);

    private double[] r(int n) {
        return RandomArrays.uniform(random, n);
    }

    static List<TapedLoops.Reduction> reductions(String method, boolean outermost) {
        return Plans.reductions(NestProbes.class, method, outermost);
    }

    /** The headline shapes are reductions of nests where a gradient starts; the rest are checked either way. */
    @Test void plans() {
        for (String m : List.of("clobbered", "headerWritten", "clobberedMin", "secondReadsFirst", "sameSumTwice", "bothBranches",
                "returnedInner", "startFromOuter")) {
            org.junit.jupiter.api.Assertions.assertEquals(1, reductions(m, true).size(), m);
        }
    }

    @Test void clobbered() { for (int t = 0; t < 3; t++) check(NestProbes.class, "clobbered", r(3), r(12)); }
    @Test void clobbered2() { for (int t = 0; t < 3; t++) check(NestProbes.class, "clobbered2", r(3), r(12)); }
    @Test void secondReadsFirst() { for (int t = 0; t < 3; t++) check(NestProbes.class, "secondReadsFirst", r(3), r(12)); }
    @Test void sameSumTwice() { for (int t = 0; t < 3; t++) check(NestProbes.class, "sameSumTwice", r(3), r(12)); }
    @Test void bothBranches() { for (int t = 0; t < 3; t++) check(NestProbes.class, "bothBranches", r(3), r(12), r(4)); }
    @Test void ragged() { check(NestProbes.class, "ragged", r(3), r(10), new double[] {2.5, 2.5, 5.5, 9.5, 10.5}); }
    @Test void perSampleBound() { for (int t = 0; t < 3; t++) check(NestProbes.class, "perSampleBound", r(4), random.nextDouble()); }
    @Test void returned() { for (int t = 0; t < 3; t++) check(NestProbes.class, "returned", r(3), r(12)); }
    @Test void returnedInner() { for (int t = 0; t < 3; t++) check(NestProbes.class, "returnedInner", r(3), r(12)); }
    @Test void continues() { for (int t = 0; t < 3; t++) check(NestProbes.class, "continues", r(3), r(15), r(5)); }
    @Test void whiles() { for (int t = 0; t < 3; t++) check(NestProbes.class, "whiles", r(3), r(12)); }
    void rules() { for (int t = 0; t < 3; t++) check(NestProbes.class, "rules", r(3), r(12), 0.5 + random.nextDouble()); }
    @Test void reuse() { for (int t = 0; t < 3; t++) check(NestProbes.class, "reuse", r(3), r(12)); }
    @Test void sqrtOfSum() { for (int t = 0; t < 3; t++) check(NestProbes.class, "sqrtOfSum", r(3), r(12)); }
    @Test void longBody() { for (int t = 0; t < 3; t++) check(NestProbes.class, "longBody", r(3), r(12)); }
    @Test void throwsInside() { check(NestProbes.class, "throwsInside", r(3), r(12), -1); }
    @Test void startFromOuter() { for (int t = 0; t < 3; t++) check(NestProbes.class, "startFromOuter", r(3), r(12)); }
    void floatInner() { for (int t = 0; t < 3; t++) check(NestProbes.class, "floatInner", r(3), r(12)); }
    @Test void inactiveCarried() { for (int t = 0; t < 3; t++) check(NestProbes.class, "inactiveCarried", r(3), r(12)); }
    @Test void clobbered3() { for (int t = 0; t < 3; t++) check(NestProbes.class, "clobbered3", r(3), r(12)); }
    @Test void clobbered4() { for (int t = 0; t < 3; t++) check(NestProbes.class, "clobbered4", r(3), r(12)); }
    private void variantsAgree(String m, Object... args) {
        var a = Harness.run(Harness.method(NestProbes.class, m), null, true, args);
        var b = Harness.run(Harness.method(NestProbes.class, m), null, false, args);
        org.junit.jupiter.api.Assertions.assertEquals(b.value(), a.value(), 0, m + " value");
        for (int i = 0; i < a.shadows().size(); i++) {
            if (a.shadows().get(i) instanceof double[] x) org.junit.jupiter.api.Assertions.assertArrayEquals((double[]) b.shadows().get(i), x, 1e-9, m + " shadow " + i);
        }
        for (int i = 0; i < a.scalarAdjoints().length; i++) org.junit.jupiter.api.Assertions.assertEquals(b.d(i), a.d(i), 1e-9, m + " d" + i);
    }
    @Test void floatAgree() { variantsAgree("floatInner", r(3), r(12)); variantsAgree("rules", r(3), r(12), 0.9); }
    @Test void clobberedMin() { check(NestProbes.class, "clobberedMin", new double[] {0.5, -0.25, 2}, new double[] {1, 0.5}); }
    // try/catch is refused by the transformer (not a bug)
    void caught() { for (int t = 0; t < 2; t++) check(NestProbes.class, "caught", r(3), r(10), r(4)); }
    @Test void whileContinue() { for (int t = 0; t < 3; t++) check(NestProbes.class, "whileContinue", r(3), r(15), r(5)); }
    @Test void twoEntries() { for (int t = 0; t < 3; t++) check(NestProbes.class, "twoEntries", r(4), r(3)); }
    @Test void threeReductions() { for (int t = 0; t < 3; t++) check(NestProbes.class, "threeReductions", r(3), r(12)); }
    @Test void otherTypeOnOtherBranch() { for (int t = 0; t < 3; t++) check(NestProbes.class, "otherTypeOnOtherBranch", r(3), r(12), r(4)); }
    @Test void headerWritten() { check(NestProbes.class, "headerWritten", new double[] {0.5, -0.25, 2}, new double[] {1, 0.5}); }
    @Test void twoUpdates() { for (int t = 0; t < 3; t++) check(NestProbes.class, "twoUpdates", r(3), r(12)); }
    @Test void zeroWidth() {
        check(NestProbes.class, "bothBranches", new double[0], new double[0], r(3));
        check(NestProbes.class, "perSampleBound", r(1), 0.3);
    }
}
