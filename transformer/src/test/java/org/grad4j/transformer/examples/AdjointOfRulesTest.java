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
                || example.equals("TwoForOneArgument"), "the form of a rule: " + m);
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
    void validRulesOfEveryScalarFormReplaceTheBodies() {
        Harness.install();
        Harness.Result r = Harness.run(AdjointOfExamples.Valid.class, "f", 1.5, 2.0);
        assertEquals(100 + 10 + 3, r.d(0), 0, "the rules of scaled (arg 0), half (a float) and power (an int argument)");
        assertEquals(1000, r.d(1), 0, "the rule of scaled's argument 1");
    }
}
