package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.TransformException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A small helper is inlined into the differentiated method. What goes wrong inside it is reported
 * at the helper's own line, after the line of the call: a refusal names both, and an exception
 * thrown there at run time shows the call's line in the caller's frame, as a call would (never a
 * line of the helper's file given as the caller's). The expected lines are read from this file's
 * source, by the marker comments on them.
 */
class InlinedHelperLinesTest {
    @BeforeAll
    static void attach() {
        AD.install();
    }

    record Vec(double x, double y) {}

    static final List<Object> LOG = new ArrayList<>();

    static Vec scaled(Vec v, double k) {
        Vec r = new Vec(v.x() * k, v.y() * k);
        LOG.add(r); // ESCAPES
        return r;
    }

    @Differentiable
    static double escaping(double[] w) {
        Vec v = new Vec(w[0], w[1]);
        Vec u = scaled(v, 3); // CALLS_SCALED
        return u.x() * u.y();
    }

    static double checkedLog(double x) {
        if (x <= 0) throw new IllegalArgumentException("log of " + x); // THROWS
        return Math.log(x);
    }

    static double logOfSquare(double x) {
        return checkedLog(x * x); // CALLS_CHECKED_LOG
    }

    @Differentiable
    static double logLoss(double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) s += w[i] * logOfSquare(w[i] - 1); // CALLS_LOG_OF_SQUARE
        return s;
    }

    @Test
    void aRefusalInsideAnInlinedHelperNamesTheHelpersLine() {
        TransformException e = assertThrows(TransformException.class, () -> AD.gradient(InlinedHelperLinesTest::escaping, new double[] {1, 2}));
        String expected = "the InlinedHelperLinesTest.Vec used on line " + lineOf("CALLS_SCALED")
                + " (in org.grad4j.agent.InlinedHelperLinesTest.scaled (InlinedHelperLinesTest.java:" + lineOf("ESCAPES") + "))"
                + " is passed to List.add";
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void anExceptionInAnInlinedHelperShowsTheCallsLineInTheCallersFrame() {
        double[] w = {0.5, 2.0, -1.5};
        // the gradient itself, against the derivative by hand: d/dw [w log (w-1)^2] = log (w-1)^2 + 2 w / (w-1)
        double[] expected = new double[w.length];
        for (int i = 0; i < w.length; i++) expected[i] = Math.log((w[i] - 1) * (w[i] - 1)) + 2 * w[i] / (w[i] - 1);
        assertArrayEquals(expected, AD.gradient(InlinedHelperLinesTest::logLoss, w), 1e-12);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AD.gradient(InlinedHelperLinesTest::logLoss, new double[] {0.5, 1.0}));
        assertEquals("log of 0.0", e.getMessage(), "the helper's exception reaches the caller as it is");
        StringBuilder trace = new StringBuilder();
        for (StackTraceElement f : e.getStackTrace()) {
            assertTrue(f.getLineNumber() < 65536, "no synthetic line number in a stack trace: " + f);
            trace.append("\n  ").append(f);
        }
        assertTrue(traceNamesLine(e, lineOf("CALLS_LOG_OF_SQUARE")), "the call's line in the trace:" + trace);
    }

    private static boolean traceNamesLine(Throwable e, int line) {
        for (StackTraceElement f : e.getStackTrace()) {
            if ("InlinedHelperLinesTest.java".equals(f.getFileName()) && f.getLineNumber() == line) return true;
        }
        return false;
    }

    /** The line of this test's source that carries {@code // marker}. */
    private static int lineOf(String marker) {
        try {
            List<String> lines = Files.readAllLines(Path.of("src/test/java/org/grad4j/agent/InlinedHelperLinesTest.java"));
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).endsWith("// " + marker)) return i + 1;
        } catch (IOException e) {
            throw new AssertionError("this test reads its own source from the module's directory", e);
        }
        throw new AssertionError("no line marked " + marker);
    }
}
