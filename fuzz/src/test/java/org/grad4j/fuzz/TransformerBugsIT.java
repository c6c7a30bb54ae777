package org.grad4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.AD;
import org.grad4j.Differentiable;
import org.grad4j.Gradients;
import org.grad4j.TransformException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The transformer bugs the fuzzer found, each reduced by hand to the smallest method that shows
 * it. While a bug is open its test is {@code @Disabled} with what grad4j does and what it should
 * do; the fuzzer leaves the feature out of its default run ({@code Generator.Config.OPEN_BUGS}).
 * The programs it found are in {@code src/test/resources/regressions/} (KNOWN-BUG headers).
 * When a bug is fixed: remove the {@code @Disabled}, the feature from {@code OPEN_BUGS}, and the
 * KNOWN-BUG line.
 */
class TransformerBugsIT {

    @BeforeAll
    static void agent() {
        AD.install();
    }

    // ---- 1. a differentiated call whose result is discarded ----

    static double twice(double p) {
        return p * 2;
    }

    @Differentiable
    static double discardsACallResult(double x) {
        twice(x); // the result is popped: javac emits invokestatic; pop2
        return x * x;
    }

    @Differentiable
    static double keepsTheCallResult(double x) {
        double unused = twice(x);
        return x * x;
    }

    @Test
    void keepingTheResultInAnUnusedLocalWorks() {
        assertEquals(6.0, AD.derivative(TransformerBugsIT::keepsTheCallResult, 3.0), 0);
    }

    @Test
    void discardedResultOfADifferentiatedCall() {
        assertEquals(6.0, AD.derivative(TransformerBugsIT::discardsACallResult, 3.0), 0);
    }

    // ---- 2. replacing a row of a double[][] argument ----

    @Differentiable
    static double replacesARow(double[][] g) {
        double[] old = g[0];
        g[0] = new double[] {old[0] * 2, 0};
        return g[0][0] + old[1];
    }

    @Test
    void replacingARowOfAMatrixArgument() throws Exception {
        Gradients g = AD.gradient(TransformerBugsIT.class.getDeclaredMethod("replacesARow", double[][].class), null,
                (Object) new double[][] {{1, 2}, {5}});
        assertEquals(4.0, g.value(), 0);
        double[][] grad = (double[][]) g.get(0);
        assertArrayEquals(new double[] {2, 1}, grad[0], 0);
        assertArrayEquals(new double[] {0}, grad[1], 0);
    }

    // ---- 3. a helper storing a differentiable value into a captured array ----

    static void addInto(double[] b, double s) {
        b[0] += s;
    }

    @Differentiable
    static double viaHelper(double x, double[] a) {
        addInto(a, x);
        return a[0] * x;
    }

    @Test
    void theMethodFormDifferentiatesEveryArrayAndIsRight() throws Exception {
        Gradients g = AD.gradient(TransformerBugsIT.class.getDeclaredMethod("viaHelper", double.class, double[].class),
                null, 3.0, new double[] {2.0});
        assertEquals(8.0, (Double) g.get(0), 0); // d/dx (a0 + x)·x = a0 + 2x
    }

    @Test
    void helperStoringIntoACapturedArray() {
        double[] a = {2.0};
        // the helper is differentiated; the captured array it stores into is a work array with a
        // shadow of its own (first dropped silently, then refused): d/dx (a0 + x)·x = a0 + 2x
        assertEquals(8.0, AD.derivative(x -> viaHelper(x, a), 3.0), 0);
        assertEquals(5.0, a[0], 0); // what the plain call leaves there
    }

    // ---- 4. a helper returning Object ----

    static Object wrap(double x) {
        return new double[] {x * 2};
    }

    @Differentiable
    static double usesAnObjectResult(double x) {
        return ((double[]) wrap(x))[0] * x;
    }

    @Differentiable
    static double usesAnObjectResultFromElsewhere(double x) {
        return ((double[]) ObjectWrapper.wrap(x))[0] * x;
    }

    @Differentiable
    static double usesAnObjectResultFromElsewherePublicly(double x) {
        return ((double[]) ObjectWrapper.wrapPublicly(x))[0] * x;
    }

    @Test
    void helperReturningAnObject() {
        // called, its result carries no derivative: refused
        org.grad4j.TransformException e = org.junit.jupiter.api.Assertions.assertThrows(org.grad4j.TransformException.class,
                () -> AD.derivative(TransformerBugsIT::usesAnObjectResultFromElsewhere, 0.7));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("returns java.lang.Object"), e.getMessage());
        // a small helper of the same class is inlined instead of refused: its array is the method's own
        assertEquals(4 * 0.7, AD.derivative(TransformerBugsIT::usesAnObjectResult, 0.7), 1e-12);
        // and so is one of another class that reaches none of its private members
        assertEquals(4 * 0.7, AD.derivative(TransformerBugsIT::usesAnObjectResultFromElsewherePublicly, 0.7), 1e-12);
    }

    // ---- 5. a long straight-line method ----

    @Test
    void aStraightLineMethodOf250Statements() throws Exception {
        StringBuilder src = new StringBuilder("package longmethod; public class Long250 {\n"
                + "    @org.grad4j.Differentiable public static double f(double x) {\n        double s = 0;\n");
        for (int i = 0; i < 250; i++) src.append("        s = s * 1.000001 + Math.sin(x);\n");
        src.append("        return s;\n    }\n}\n");
        java.util.Map<String, byte[]> classes = new org.grad4j.fuzz.run.InMemoryCompiler(Differentiable.class)
                .compile("longmethod", java.util.Map.of("Long250", src.toString()));
        Class<?> c = Class.forName("longmethod.Long250", true,
                new org.grad4j.fuzz.run.InMemoryCompiler.MemoryLoader(getClass().getClassLoader(), classes));
        double expected = 0;
        for (int k = 0; k < 250; k++) expected += Math.pow(1.000001, k);
        expected *= Math.cos(0.3);
        assertEquals(expected, (Double) AD.gradient(c.getMethod("f", double.class), null, 0.3).get(0), 1e-9);
    }

    // ---- 6. System.arraycopy from a captured array ----

    @Differentiable
    static double copiesFromData(double x, double[] data) {
        double[] t = new double[1];
        System.arraycopy(data, 0, t, 0, 1);
        return t[0] * x;
    }

    @Test
    void cloningACapturedArrayWorks() {
        double[] data = {3.0};
        assertEquals(3.0, AD.derivative(x -> {
            double[] t = data.clone();
            return t[0] * x;
        }, 2.0), 0);
    }

    @Test
    void arraycopyFromACapturedArray() {
        double[] data = {3.0};
        assertEquals(3.0, AD.derivative(x -> copiesFromData(x, data), 2.0), 0);
    }

    // ---- README bugs 9–11: value objects whose methods must be inlined ----

    record V2(double a, double b) {
        V2 plus(V2 o) {
            return new V2(a + o.a, b + o.b);
        }

        V2 scale(double s) {
            return new V2(a * s, b * s);
        }
    }

    // 9. beside a store into a captured array

    @Differentiable
    static double storesIntoItsArray(double x, double[] a) {
        V2 u = new V2(x, 2 * x).plus(new V2(x, x)); // (2x, 3x)
        a[0] *= u.b();
        return a[0] + u.a();
    }

    @Test
    void aValueObjectBesideAStoreIntoAParameter() throws Exception {
        Gradients g = AD.gradient(TransformerBugsIT.class.getDeclaredMethod("storesIntoItsArray", double.class, double[].class),
                null, 0.5, new double[] {3});
        assertEquals(11.0, (Double) g.get(0), 0);
    }

    @Test
    void aValueObjectBesideAStoreIntoACapturedArray() {
        double[] a = {3};
        assertEquals(11.0, AD.derivative(x -> storesIntoItsArray(x, a), 0.5), 0);
    }

    // 10. beside a construct grad4j refuses: the refusal should name that construct, not the V2

    static double last;

    @Differentiable
    static double keepsItsInput(double x) {
        V2 u = new V2(x, 2 * x).plus(new V2(x, x));
        last = x;
        return u.a();
    }

    @Test
    void aRefusalBesideAValueObjectNamesItsConstruct() {
        TransformException e = assertThrows(TransformException.class,
                () -> AD.gradient(TransformerBugsIT.class.getDeclaredMethod("keepsItsInput", double.class), null, 0.5));
        assertTrue(e.getMessage().contains("store of a differentiable value into field"), e.getMessage());
    }

    // 11. a helper discarding a result, inlined while a V2 waits beneath on the operand stack

    static double plusOne(double p) {
        return p + 1;
    }

    static double square(double p) {
        plusOne(p); // the result is discarded: pop2 of one double
        return p * p;
    }

    @Differentiable
    static double scalesByAHelper(double x) {
        V2 u = new V2(x, 2 * x).scale(square(x)); // (x³, 2x³)
        return u.a() + u.b();
    }

    @Test
    void aDiscardedResultInAHelperInlinedAboveAValueObject() {
        assertEquals(2.25, AD.derivative(TransformerBugsIT::scalesByAHelper, 0.5), 1e-12);
    }
}

/** A helper of another class (another nest): called, never inlined. */
final class ObjectWrapper {
    private ObjectWrapper() {}

    private static double factor = 2; // a private field: code generated for another class cannot reach it, so wrap is called

    static Object wrap(double x) {
        return new double[] {x * factor};
    }

    static Object wrapPublicly(double x) {
        return new double[] {x * 2};
    }
}
