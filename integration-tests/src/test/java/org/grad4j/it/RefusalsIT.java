package org.grad4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import org.grad4j.it.programs.Refused;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a user sees for a construct grad4j refuses, through the real agent: a TransformException
 * naming the class, the method, the source line, the construct, and what to do instead. The
 * calling program catches it like any exception; the application itself was never changed.
 */
class RefusalsIT {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "field        | storesIntoField    | 19 | field Refused.lastValue",
        "trycatch     | catches            | 26 | try/catch",
        "synchronized | synchronizedMethod | 34 | synchronized method",
        "monitor      | synchronizedBlock  | 39 | synchronized block",
        "boxing       | boxes              | 46 | with a differentiable boxed value",
        "lambda       | capturesInLambda   | 53 | lambda",
        "jdk          | callsJdkWithoutRule | 59 | call of Double.sum with a differentiable argument: it is a JDK method grad4j has no rule for",
    })
    void refusalNamesClassMethodLineConstructAndRemedy(String which, String method, int line, String construct) {
        String message = refusal(which);
        assertTrue(message.startsWith("grad4j cannot differentiate org.grad4j.it.programs.Refused." + method
                + " (Refused.java:" + line + "): "), message);
        assertTrue(message.contains(construct), message);
        assertTrue(message.length() > message.indexOf("): ") + construct.length() + 40, "and says what to do: " + message);
    }

    @Test
    void aRefusalInsideAnUnannotatedHelperNamesTheCallChain() {
        String message = refusal("helper");
        assertTrue(message.startsWith("grad4j cannot differentiate org.grad4j.it.programs.Refused.parsesSafely "
                + "(Refused.java:64): try/catch"), message);
        assertTrue(message.contains("\n    called from org.grad4j.it.programs.Refused.callsHelperThatCatches (Refused.java:72)"),
                message);
    }

    /** Runs {@link Refused} with the agent; it prints the TransformException's message and exits with 3. */
    private static String refusal(String which) {
        String testClasses = new File(Refused.class.getProtectionDomain().getCodeSource().getLocation().getPath()).getPath();
        ChildJvm.Run run = new ChildJvm().withAgent()
                .classPath(ChildJvm.applicationClassPath() + File.pathSeparator + testClasses)
                .run(Refused.class.getName(), which);
        assertEquals(3, run.exitCode(), run::describe);
        return run.stdout().trim();
    }
}
