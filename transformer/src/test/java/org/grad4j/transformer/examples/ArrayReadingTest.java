package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.TransformException;
import org.grad4j.transformer.Transformer;
import org.grad4j.transformer.testing.Harness;
import org.grad4j.transformer.testing.RandomArrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.objectweb.asm.Type;

/** Helpers returning plain results run as written when they only read the differentiable arrays they get. */
class ArrayReadingTest {
    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private final Random random = new Random(11);

    private double[] randomArray(int n) {
        return RandomArrays.uniform(random, n);
    }

    @Test
    void readingHelpersRunAsWritten() {
        for (int trial = 0; trial < 8; trial++) {
            int n = 2 + random.nextInt(6);
            check(ArrayReading.class, "largestTimesFirst", randomArray(n));
            check(ArrayReading.class, "resampled", randomArray(n), random.nextDouble());
            check(ArrayReading.class, "counted", randomArray(n));
            check(ArrayReading.class, "ordered", randomArray(n));
            check(ArrayReading.class, "checkedDot", randomArray(n)); // throws its own exception, made from numbers
            check(ArrayReading.class, "polynomial", randomArray(4)); // a void check on Object, inside a constructor
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"clamping", "zeroing"})
    void helpersThatWriteTheArrayStayRefused(String method) throws Exception {
        String desc = Type.getMethodDescriptor(ArrayReading.class.getDeclaredMethod(method, double[].class));
        TransformException e = assertThrows(TransformException.class, () ->
                new Transformer(ClassFileLocator.of(ArrayReading.class.getClassLoader()))
                        .generate(Type.getInternalName(ArrayReading.class), method, desc));
        assertTrue(e.getMessage().contains("a differentiable method returning int"), e.getMessage());
        assertTrue(e.getMessage().contains("if it only reads them"), e.getMessage());
        // where it writes, and the helper's own line
        assertTrue(e.getMessage().matches("(?s).*this one may write them: it (writes into an array it did not allocate|"
                + "calls Arrays.fill, which may write it) \\(ArrayReading\\.\\w+, line \\d+\\).*"), e.getMessage());
        assertTrue(e.getMessage().matches("(?s).*ArrayReading\\.\\w+ \\(ArrayReading\\.java:\\d+\\).*"), e.getMessage());
    }

    /** Vec.of(v) keeps a copy of v in a final field: the object is replaced by its field, a local holding the copy. */
    @Test
    void aFactoryOfAnObjectHoldingTheArrayIsDifferentiated() {
        for (int trial = 0; trial < 4; trial++) check(ArrayReading.class, "wrapping", randomArray(2));
    }
}
