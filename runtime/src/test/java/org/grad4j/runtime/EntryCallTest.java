package org.grad4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import org.grad4j.GradientException;
import org.junit.jupiter.api.Test;

/** The entry contract of {@link Bridge}, as {@link EntryCall} states and checks it. */
class EntryCallTest {
    static double f(double a, double[] v, int n, float b, double[][] m, String s) { return 0; }

    float g(float[] x) { return 0; }

    static double h(double x) { return x; }

    static void h$silent(double x, DoubleContinuation k, Ctx ctx) {} // never resumes

    static void h$wrong(double x, Ctx ctx) {}

    static void h$good(double x, DoubleContinuation k, Ctx ctx) {
        double dy = k.resume(3 * x, ctx);
        ctx.d[0] = 3 * dy;
    }

    private static Method method(String name) {
        for (Method m : EntryCallTest.class.getDeclaredMethods()) if (m.getName().equals(name)) return m;
        throw new AssertionError(name);
    }

    @Test
    void everyDifferentiableArrayIsFollowedByItsShadow() {
        assertEquals(MethodType.methodType(void.class, new Class<?>[] {double.class, double[].class, double[].class, int.class,
                float.class, double[][].class, double[][].class, String.class, DoubleContinuation.class, Ctx.class}),
                EntryCall.entryType(method("f")));
    }

    @Test
    void instanceMethodsTakeTheReceiverFirstAndFloatResultsAFloatContinuation() {
        assertEquals(MethodType.methodType(void.class, new Class<?>[] {EntryCallTest.class, float[].class, float[].class,
                FloatContinuation.class, Ctx.class}), EntryCall.entryType(method("g")));
    }

    private static Call callH() {
        return new Call(method("h"), null, new Object[] {2.0}, new boolean[1]);
    }

    @Test
    void runReadsValueAndRegisters() throws Throwable {
        Outcome o = EntryCall.run(callH(), MethodHandles.lookup().findStatic(EntryCallTest.class, "h$good",
                EntryCall.entryType(method("h"))));
        assertEquals(6.0, o.value());
        assertArrayEquals(new double[] {3.0}, o.scalarAdjoints());
    }

    @Test
    void anEntryOfTheWrongTypeIsAnInternalErrorNamingTheContract() throws Exception {
        var wrong = MethodHandles.lookup().findStatic(EntryCallTest.class, "h$wrong",
                MethodType.methodType(void.class, double.class, Ctx.class));
        GradientException e = assertThrows(GradientException.class, () -> EntryCall.run(callH(), wrong));
        assertTrue(e.getMessage().contains("entry contract") && e.getMessage().contains("DoubleContinuation"), e.getMessage());
    }

    @Test
    void anEntryThatNeverResumesIsAnInternalError() throws Exception {
        var silent = MethodHandles.lookup().findStatic(EntryCallTest.class, "h$silent", EntryCall.entryType(method("h")));
        GradientException e = assertThrows(GradientException.class, () -> EntryCall.run(callH(), silent));
        assertTrue(e.getMessage().contains("without calling its continuation"), e.getMessage());
    }
}
