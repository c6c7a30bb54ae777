package org.grad4j.transformer.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.TransformException;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.Transformer;
import org.grad4j.transformer.testing.Harness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.objectweb.asm.Type;

/** A broken {@code @AdjointOf} rule is an error naming the rule, its line, and the signature it should have. */
class AdjointOfRulesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "MissingResult|clampedLogAdjoint|clampedLogAdjoint(double x, double dy) should be (double x, double y, double dy) for clampedLog(double)",
        "Misspelt|clampedLogAdjoint|@AdjointOf(\"clampLog\") clampedLogAdjoint names no static method of AdjointOfExamples$Misspelt (it would fit clampedLog(double, double))",
        "ReturnsFloat|cubeAdjoint|float cubeAdjoint(double x, double y, double dy) should be (double x, double y, double dy) for cube(double), returning double",
        "NoSuchArgument|cubeAdjoint|@AdjointOf(\"cube\", arg = 1) cubeAdjoint: cube(double) has no argument 1",
        "IntArgument|powerAdjoint|argument 1 of power(double, int) has type int, which carries no derivative",
        "NotStatic|cubeAdjoint|@AdjointOf(\"cube\") cubeAdjoint is not static",
        "TwoForOneArgument|cubeAdjointAgain|a second rule for argument 0 of cube(double), beside cubeAdjoint",
        "Overloads|twiceAdjoint|twiceAdjoint(float x, double dy) should be (double x, double y, double dy) for twice(double) or (float x, float y, double dy) for twice(float)",
        "MissingArgument|powAbsDp|powAbs(double, double) has no rule for argument 0 (double x), whose adjoint would silently be 0. "
                + "Give one @AdjointOf method per double, float or INDArray argument: add @AdjointOf(value = \"powAbs\", arg = 0) "
                + "static double anyName(double x, double p, double y, double dy) (one that returns 0 where the argument carries no derivative)",
        "MissingFloatArgument|blendA|blend(double, int, float) has no rule for argument 2 (float b), whose adjoint would silently be 0. "
                + "Give one @AdjointOf method per double, float or INDArray argument: add @AdjointOf(value = \"blend\", arg = 2) "
                + "static double anyName(double a, int n, float b, double y, double dy)",
    })
    void aBrokenRuleNamesItselfAndWhatItShouldBe(String example, String rule, String what) {
        String owner = Type.getInternalName(AdjointOfExamples.class) + "$" + example;
        TransformException e = assertThrows(TransformException.class, () ->
                new Transformer(ClassFileLocator.of(AdjointOfExamples.class.getClassLoader())).generate(owner, "f", "(D)D"));
        String m = e.getMessage();
        assertTrue(m.startsWith("grad4j cannot use the rule " + owner.replace('/', '.') + "." + rule + " (AdjointOfExamples.java:"), m);
        assertTrue(m.matches("(?s)[^)]*\\(AdjointOfExamples\\.java:\\d+\\): .*"), "line number: " + m);
        assertTrue(m.contains(what), m);
        assertTrue(m.contains("An @AdjointOf method is static, takes the method's arguments") || example.equals("Misspelt")
                || example.equals("TwoForOneArgument") || example.startsWith("Missing") && !example.equals("MissingResult"),
                "the form of a rule: " + m);
    }

    @Test
    void aBrokenRuleStopsOnlyTheMethodItIsFor() {
        String owner = Type.getInternalName(AdjointOfExamples.class) + "$UncalledRule";
        Transformer t = new Transformer(ClassFileLocator.of(AdjointOfExamples.class.getClassLoader()));
        t.generate(owner, "f", "(D)D"); // calls called, whose body is differentiated: no error
        TransformException e = assertThrows(TransformException.class, () -> t.generate(owner, "g", "(D)D"));
        assertTrue(e.getMessage().contains("uncalledAdjoint(double x, double dy) should be (double x, double y, double dy) "
                + "for uncalled(double)"), e.getMessage());
    }

    @Test
    void aRuleLeftOutForADifferentiableArgumentIsAnErrorAtCallsAndEntries() {
        String owner = Type.getInternalName(AdjointOfExamples.class) + "$MissingArgument";
        Transformer t = new Transformer(ClassFileLocator.of(AdjointOfExamples.class.getClassLoader()));
        TransformException e = assertThrows(TransformException.class, () -> t.generate(owner, "f", "(D)D"));
        assertTrue(e.getMessage().contains("powAbs(double, double) has no rule for argument 0 (double x)"), e.getMessage());
        TransformException entry = assertThrows(TransformException.class, () -> t.generate(owner, "powAbs", "(DD)D"),
                "a gradient that starts in the method");
        assertEquals(e.getMessage(), entry.getMessage());
    }

    @Test
    void aDifferentiableArrayPassedToAMethodWithARuleIsRefusedForNoRuleCanGiveItsAdjoint() {
        String owner = Type.getInternalName(AdjointOfExamples.ArrayArgument.class);
        Transformer t = new Transformer(ClassFileLocator.of(AdjointOfExamples.class.getClassLoader()));
        for (String[] method : new String[][] {{"differentiatedArray", "([DD)D"}, {"allocatedArray", "(DD)D"}}) {
            TransformException e = assertThrows(TransformException.class, () -> t.generate(owner, method[0], method[1]));
            assertTrue(e.getMessage().contains("a differentiable double[] passed to AdjointOfExamples.ArrayArgument.sumScaled, "
                    + "which has a rule (@AdjointOf or registered) that gives no adjoint for it"), e.getMessage());
            assertTrue(e.getMessage().contains("(AdjointOfExamples.java:"), e.getMessage());
        }
        Harness.install();
        double s = 1.5;
        // (sumScaled(TABLE, s) * s)' = 7 s + s * rule = 7 s + 70 s: the rule ran, the data array passed as data
        assertEquals(77 * s, Harness.run(AdjointOfExamples.ArrayArgument.class, "dataArray", s).d(0), 1e-12);
        assertEquals(77 * s, Harness.run(AdjointOfExamples.ArrayArgument.class, "allocatedDataArray", s).d(0), 1e-12);
    }

    /**
     * A gradient that starts in a method with a rule — a method reference, {@code AD.gradient(Method, …)}, a
     * {@code java.util.function} object — uses the rule, as its calls do, in both the variant a gradient starts in
     * and the one generated code calls.
     */
    @Test
    void aMethodWithARuleKeepsItWhenAGradientStartsInIt() throws Exception {
        Harness.install();
        for (boolean outermost : new boolean[] {true, false}) {
            // rint's derivative is 0 wherever it has one: 1 comes from the rule only
            Harness.Result ste = Harness.run(Harness.method(AdjointOfExamples.RuledEntries.class, "ste"), null, outermost, new Object[] {0.3});
            assertEquals(1.0, ste.d(0), 0);
            assertEquals(0.0, ste.value(), 0);
            double x = 2.0;
            double h = 1e-6;
            double fd = (Math.log(x + h) - Math.log(x - h)) / (2 * h);
            Harness.Result log = Harness.run(Harness.method(AdjointOfExamples.RuledEntries.class, "guardedLog"), null,
                    outermost, new Object[] {x});
            assertEquals(fd, log.d(0), 1e-8, "a body that would be refused (try/catch)");
            assertEquals(Math.log(x), log.value(), 0);
            Harness.Result scaled = Harness.run(Harness.method(AdjointOfExamples.Valid.class, "scaled"), null, outermost, new Object[] {1.5, 2.0});
            assertEquals(100, scaled.d(0), 0, "scaled's rule for argument 0, not its body's 2.0");
            assertEquals(1000, scaled.d(1), 0, "scaled's rule for argument 1, not its body's 1.5");
        }
    }

    @Test
    void aBrokenRuleIsReportedWhenAGradientStartsInItsMethod() {
        String owner = Type.getInternalName(AdjointOfExamples.class) + "$MissingResult";
        TransformException e = assertThrows(TransformException.class, () ->
                new Transformer(ClassFileLocator.of(AdjointOfExamples.class.getClassLoader())).generate(owner, "clampedLog", "(D)D"));
        assertTrue(e.getMessage().contains("clampedLogAdjoint(double x, double dy) should be (double x, double y, double dy)"),
                e.getMessage());
    }

    @Test
    void validRulesOfEveryScalarFormReplaceTheBodies() {
        Harness.install();
        Harness.Result r = Harness.run(AdjointOfExamples.Valid.class, "f", 1.5, 2.0);
        assertEquals(100 + 10 + 3, r.d(0), 0, "the rules of scaled (arg 0), half (a float) and power (an int argument)");
        assertEquals(1000, r.d(1), 0, "the rule of scaled's argument 1");
    }
}
