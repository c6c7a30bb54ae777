package org.grad4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.GradientException;
import org.grad4j.runtime.DepthExceededException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An exception thrown inside a differentiable method — in a helper, deep in a loop or a recursion,
 * checked or unchecked, an Error — reaches the AD caller as the same object, with its own type,
 * message and the user's stack frames; afterwards the runtime computes gradients as before, also
 * after thousands of exceptions and after running out of stack.
 */
class ExceptionsIT {

    @BeforeAll
    static void agent() {
        AD.install();
    }

    static final class Oops extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Oops(String m) {
            super(m);
        }
    }

    static final class Fatal extends Error {
        private static final long serialVersionUID = 1L;

        Fatal(String m) {
            super(m);
        }
    }

    static double failingHelper(double x, int i) {
        if (i == 7) throw new Oops("at iteration " + i + " with " + x);
        return Math.sin(x);
    }

    @Differentiable
    static double throwsInALoop(double x, int n) {
        double s = x;
        for (int i = 0; i < n; i++) s = s * 0.9 + failingHelper(s, i);
        return s;
    }

    @Differentiable
    static double throwsInRecursion(double x, int depth) {
        if (depth == 0) throw new IllegalArgumentException("bottom reached with " + x);
        return x * throwsInRecursion(x + 1, depth - 1);
    }

    @Differentiable
    static double throwsChecked(double x) throws IOException {
        if (x > 1) throw new IOException("too large: " + x);
        return x * x;
    }

    @Differentiable
    static double throwsError(double x) {
        if (x < 0) throw new Fatal("negative " + x);
        return Math.exp(x);
    }

    @Differentiable
    static double endless(double x, int n) {
        return x + endless(x * 0.999, n + 1);
    }

    @Test
    void uncheckedFromAHelperInALoopKeepsItsTypeMessageAndFrames() {
        Oops e = assertThrows(Oops.class, () -> AD.derivative(v -> throwsInALoop(v, 20), 0.4));
        assertTrue(e.getMessage().startsWith("at iteration 7 with "), e.getMessage());
        boolean userFrame = false;
        for (StackTraceElement s : e.getStackTrace()) userFrame |= s.getMethodName().equals("failingHelper") || s.getClassName().contains("ExceptionsIT");
        assertTrue(userFrame, "the trace shows the user's code");
        // usable afterwards, same function, path that does not throw
        double d = AD.derivative(v -> throwsInALoop(v, 5), 0.4);
        double h = 1e-6;
        assertEquals((throwsInALoop(0.4 + h, 5) - throwsInALoop(0.4 - h, 5)) / (2 * h), d, 1e-7);
    }

    @Test
    void fromDeepRecursion() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AD.derivative(v -> throwsInRecursion(v, 500), 0.5));
        assertEquals("bottom reached with 500.5", e.getMessage());
    }

    @Test
    void checkedExceptionsThroughTheMethodApiAreRethrownUnchanged() throws Exception {
        Method m = ExceptionsIT.class.getDeclaredMethod("throwsChecked", double.class);
        IOException e = assertThrows(IOException.class, () -> AD.gradient(m, null, 2.0));
        assertEquals("too large: 2.0", e.getMessage());
        assertEquals(1.0, (Double) AD.gradient(m, null, 0.5).get(0), 0);
    }

    @Test
    void errorsToo() {
        Fatal e = assertThrows(Fatal.class, () -> AD.derivative(ExceptionsIT::throwsError, -1));
        assertEquals("negative -1.0", e.getMessage());
        assertEquals(Math.exp(0.5), AD.derivative(ExceptionsIT::throwsError, 0.5), 1e-15);
    }

    @Test
    void theSameObjectReachesTheCaller() {
        Oops thrown = new Oops("this one");
        Oops caught = assertThrows(Oops.class, () -> AD.derivative(v -> {
            if (v > 0) throw thrown;
            return v;
        }, 1.0));
        assertSame(thrown, caught);
    }

    @Test
    void tenThousandExceptionsLeakNothing() {
        int before = Thread.activeCount();
        for (int i = 0; i < 10_000; i++) {
            int depth = 1 + i % 30;
            assertThrows(IllegalArgumentException.class, () -> AD.derivative(v -> throwsInRecursion(v, depth), 0.1));
        }
        assertTrue(Thread.activeCount() <= before + 16, "threads before " + before + ", after " + Thread.activeCount());
        assertEquals(3 * 0.09, AD.derivative(v -> v * v * v, 0.3), 1e-15);
    }

    @Test
    void runningOutOfStackIsAClearErrorAndTheWorkerSurvives() {
        GradientException e = assertThrows(GradientException.class, () -> AD.derivative(v -> endless(v, 0), 0.5));
        assertTrue(e instanceof DepthExceededException || e.getMessage().contains("grad4j.stack"), e.toString());
        assertTrue(e.getMessage().contains("grad4j.stack"), "names the option to raise: " + e.getMessage());
        for (int i = 0; i < 20; i++) assertEquals(2 * 0.25, AD.derivative(v -> v * v, 0.25), 0);
    }
}
