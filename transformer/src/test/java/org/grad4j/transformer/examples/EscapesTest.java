package org.grad4j.transformer.examples;

import static org.grad4j.transformer.testing.GradientCheck.check;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.grad4j.TransformException;
import org.grad4j.transformer.ClassFileLocator;
import org.grad4j.transformer.Transformer;
import org.grad4j.transformer.testing.Harness;
import org.grad4j.transformer.testing.RandomArrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.Type;

/** Side doors out of the settled, data-only and read-only analyses: right gradients, or refusals. */
class EscapesTest {
    @BeforeAll
    static void bridge() {
        Harness.install();
    }

    private final Random random = new Random(23);

    private double[] randomArray(int n) {
        return RandomArrays.uniform(random, n);
    }

    @Test
    void arraysLeavingBySideDoorsKeepTheirGradients() {
        for (int trial = 0; trial < 4; trial++) {
            int n = 2 + random.nextInt(4);
            check(Escapes.class, "handedOnInAContainer", randomArray(n));
            check(Escapes.class, "rowsSharedByACopy", randomArray(n));
        }
    }

    @Test
    void anArrayALambdaHandsBackKeepsItsShadow() {
        // the lambda is called here, so its body is (LambdaObjects): the array it hands back is the one made here
        for (int trial = 0; trial < 4; trial++) check(Escapes.class, "handedBackByALambda", randomArray(2));
    }

    @Test
    void aLambdaCapturingAnArrayMadeHereIsRefusedWhenItLeaves() {
        // it may hand the array back to be written elsewhere: the array needs its shadow, and lambdas cannot carry one
        String refusal = refusal("handedBackByALambdaThatLeaves");
        assertTrue(refusal.contains("a lambda or dynamic call capturing a differentiable value, kept as an object: the "
                + "lambda made on line"), refusal);
        assertTrue(refusal.contains("is stored into a field"), refusal);
    }

    @Test
    void helpersThatKeepAValueOrReplaceTheirParameterAreNotReaders() {
        assertTrue(refusal("keepsAValueInAField").contains("it stores a double in a field"));
        assertTrue(refusal("reassignsItsParameter").contains("it writes into an array it did not allocate"));
    }

    private static String refusal(String method) {
        String desc;
        try {
            desc = Type.getMethodDescriptor(Escapes.class.getDeclaredMethod(method, double[].class));
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
        return assertThrows(TransformException.class, () ->
                new Transformer(ClassFileLocator.of(Escapes.class.getClassLoader()))
                        .generate(Type.getInternalName(Escapes.class), method, desc)).getMessage();
    }
}
