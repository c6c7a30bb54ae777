package org.grad4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import org.grad4j.GradientException;
import org.grad4j.ScalarFunction;
import org.grad4j.VectorFunction;
import org.junit.jupiter.api.Test;

/** Resolution of function objects to implementation methods and arguments, without any agent. */
class FunctionsTest {
    static double square(double x) { return x * x; }

    static double boxed(Double x) { return x; }

    static int floorOf(double x) { return (int) Math.floor(x); }

    static double sum(double[] w) { return w[0] + w[1]; }

    static Functions.Resolved scalar(ScalarFunction f, double x) {
        return Functions.resolve(f, ScalarFunction.class, double.class, x);
    }

    static Functions.Resolved vector(VectorFunction f, double[] x) {
        return Functions.resolve(f, VectorFunction.class, double[].class, x);
    }

    @Test
    void staticMethodReference() {
        Functions.Resolved r = scalar(FunctionsTest::square, 2.0);
        assertEquals("square", r.call().method().getName());
        assertEquals(FunctionsTest.class, r.call().method().getDeclaringClass());
        assertNull(r.call().receiver());
        assertArrayEquals(new Object[] {2.0}, r.call().args());
        assertEquals(0, r.input());
    }

    @Test
    void capturedValuesComeFirstAndTheArgumentLast() {
        double a = 3;
        double[] data = {1, 2};
        Functions.Resolved r = scalar(x -> a * x + data[0], 5.0);
        Method m = r.call().method();
        assertTrue(m.getName().startsWith("lambda$"), m.getName());
        assertTrue(Modifier.isStatic(m.getModifiers()));
        Object[] args = r.call().args();
        assertEquals(3, args.length);
        assertTrue(java.util.Arrays.asList(args).contains(3.0));
        assertTrue(java.util.Arrays.stream(args).anyMatch(o -> o == data));
        assertEquals(5.0, args[2]);
        assertEquals(2, r.input());
        boolean[] d = r.call().differentiated();
        for (int i = 0; i < d.length; i++) assertEquals(i == r.input(), d[i], "only the argument is differentiated; captures are constants");
        assertEquals("001", r.call().activityMask());
    }

    static final class Helper {
        final double k;
        Helper(double k) { this.k = k; }
        double scaled(double x) { return k * x; }
    }

    @Test
    void boundMethodReferenceCapturesTheReceiver() {
        Helper h = new Helper(3);
        Functions.Resolved r = scalar(h::scaled, 1.0);
        assertSame(h, r.call().receiver());
        assertEquals("scaled", r.call().method().getName());
        assertArrayEquals(new Object[] {1.0}, r.call().args());
    }

    private final double field = 2;

    @Test
    void instanceCapturingLambdaHasThisAsReceiver() {
        Functions.Resolved r = scalar(x -> x * field, 1.0);
        assertSame(this, r.call().receiver());
        assertFalse(Modifier.isStatic(r.call().method().getModifiers()));
        assertEquals(0, r.input());
    }

    static class Base {
        double value(double x) { return x; }
    }

    static final class Derived extends Base {
        @Override
        double value(double x) { return 2 * x; }
    }

    interface Shape {
        default double area(double x) { return x * x; }
    }

    static final class Square implements Shape {}

    @Test
    void virtualReferencesRunTheReceiversImplementation() {
        Base b = new Derived();
        assertEquals(Derived.class, scalar(b::value, 1.0).call().method().getDeclaringClass());
        Shape s = new Square();
        Method area = scalar(s::area, 1.0).call().method();
        assertEquals(Shape.class, area.getDeclaringClass());
        assertTrue(area.isDefault());
    }

    static final class Cube implements ScalarFunction {
        @Override
        public double apply(double x) { return x * x * x; }
    }

    @Test
    void anObjectImplementingTheInterfaceHasItsApplyDifferentiated() {
        Cube c = new Cube();
        Functions.Resolved r = scalar(c, 2.0);
        assertEquals(Cube.class, r.call().method().getDeclaringClass());
        assertSame(c, r.call().receiver());
        ScalarFunction anonymous = new ScalarFunction() {
            @Override
            public double apply(double x) { return -x; }
        };
        assertEquals(anonymous.getClass(), scalar(anonymous, 1.0).call().method().getDeclaringClass());
    }

    @Test
    void applyOfAnotherFunctionIsSeenThrough() {
        ScalarFunction inner = FunctionsTest::square;
        ScalarFunction outer = inner::apply;
        assertEquals("square", scalar(outer, 1.0).call().method().getName());
    }

    @Test
    void vectorInputIsDifferentiatedAndCapturedArraysAreData() {
        double[] data = {1, 2};
        double[] x = {3, 4};
        Functions.Resolved r = vector(w -> sum(w) * data[0], x);
        boolean[] d = r.call().differentiated();
        assertTrue(d[r.input()]);
        assertSame(x, r.call().args()[r.input()]);
        for (int i = 0; i < d.length; i++) if (i != r.input()) assertFalse(d[i]);
        // a captured array that is the input itself: a constant or the input? refused, not guessed
        GradientException alias = assertThrows(GradientException.class, () -> vector(w -> sum(w) * x[0], x));
        assertTrue(alias.getMessage().contains("captures the array it is differentiated at")
                && alias.getMessage().contains("x.clone()"), alias.getMessage());
        double[][] rows = {x};
        GradientException row = assertThrows(GradientException.class, () -> vector(w -> sum(w) * rows[0][0], x));
        assertTrue(row.getMessage().contains("holds the same double[] object as the point"), row.getMessage());
        assertEquals(0, vector(FunctionsTest::sum, x).input());
    }

    @Test
    void adaptationsAreRefused() {
        GradientException e = assertThrows(GradientException.class, () -> scalar(FunctionsTest::boxed, 1.0));
        assertTrue(e.getMessage().contains("boxing") && e.getMessage().contains("boxed"), e.getMessage());
        e = assertThrows(GradientException.class, () -> scalar(FunctionsTest::floorOf, 1.0));
        assertTrue(e.getMessage().contains("floorOf"), e.getMessage());
    }

    @Test
    void floatResultIsAccepted() {
        ScalarFunction f = FunctionsTest::half;
        assertEquals(float.class, scalar(f, 1.0).call().method().getReturnType());
    }

    static float half(double x) { return (float) x / 2; }

    @Test
    void nullAndProxiesAreRefusedClearly() {
        GradientException e = assertThrows(GradientException.class, () -> scalar(null, 1.0));
        assertTrue(e.getMessage().contains("null"));
        ScalarFunction proxy = (ScalarFunction) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ScalarFunction.class}, (p, m, a) -> 0.0);
        e = assertThrows(GradientException.class, () -> scalar(proxy, 1.0));
        assertTrue(e.getMessage().contains("Proxy") && e.getMessage().contains("lambda"), e.getMessage());
    }

    abstract static class Abstract {
        abstract double f(double x);
    }

    @Test
    void methodsWithoutBytecodeAreRefused() throws Exception {
        GradientException e = assertThrows(GradientException.class,
                () -> Dispatch.requireBytecode(Abstract.class.getDeclaredMethod("f", double.class)));
        assertTrue(e.getMessage().contains("abstract"), e.getMessage());
        e = assertThrows(GradientException.class, () -> Dispatch.requireBytecode(StrictMath.class.getMethod("sin", double.class)));
        assertTrue(e.getMessage().contains("native"), e.getMessage());
        ScalarFunction lambda = x -> x;
        Method hiddenApply = Dispatch.implementation(ScalarFunction.class.getMethod("apply", double.class), lambda);
        e = assertThrows(GradientException.class, () -> Dispatch.requireBytecode(hiddenApply));
        assertTrue(e.getMessage().contains("hidden"), e.getMessage());
    }
}
