package org.grad4j.transformer.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A class run beside its rewritten copy ({@link ChildFirstLoader}): each public method of the
 * form {@code (double[] x, double[] w)} must give the same result to the bit, or throw an
 * exception of the same class ({@code StreamFusionTest}, {@code LambdaObjectsTest}).
 */
public final class SideBySide {
    private SideBySide() {}

    /** The methods compared: the public ones the class declares. */
    public static List<Method> publicMethods(Class<?> c) {
        List<Method> out = new ArrayList<>();
        for (Method m : c.getDeclaredMethods()) if (Modifier.isPublic(m.getModifiers())) out.add(m);
        return out;
    }

    /** {@code m} and its namesake in {@code copy} give the same outcome at {@code (x, w)}: doubles and arrays of them bit for bit. */
    public static void assertSameOutcome(Method m, Object original, Class<?> copy, Object copied, double[] x, double[] w)
            throws ReflectiveOperationException {
        Method f = copy.getDeclaredMethod(m.getName(), m.getParameterTypes());
        Object expected = outcome(m, original, x, w), actual = outcome(f, copied, x, w);
        String what = m.getName() + " of " + Arrays.toString(x) + ", " + Arrays.toString(w) + ": " + describe(expected)
                + " against " + describe(actual);
        assertEquals(bits(expected), bits(actual), what);
    }

    /**
     * Every public method of {@code original} and its namesake in {@code copy} give the same
     * outcomes on 30 random inputs ({@code x, w} of 2 to 6 elements, from {@code seed}), a NaN and
     * a -0.0 among them.
     */
    public static void assertSameOutcomesOnRandomInputs(Class<?> original, Object originalInstance, Class<?> copy, Object copied,
                                                        long seed) throws ReflectiveOperationException {
        java.util.Random r = new java.util.Random(seed);
        for (int trial = 0; trial < 30; trial++) {
            int n = 2 + r.nextInt(5);
            double[] x = new double[n], w = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = r.nextGaussian() * 2;
                w[i] = r.nextGaussian();
            }
            if (trial == 3) x[0] = Double.NaN;
            if (trial == 4) w[0] = -0.0;
            if (trial == 5) x[1] = Double.NaN;
            for (Method m : publicMethods(original)) assertSameOutcome(m, originalInstance, copy, copied, x, w);
        }
    }

    /**
     * What a rewrite left of what it replaces ({@code left}: the lambdas, the objects still made)
     * in method {@code name}: nothing when no reason to keep one is {@code expected}; else some,
     * and a reason ({@code whyKept}) that says {@code expected} in the form {@code pattern}.
     */
    public static void assertGoneOrKept(String name, List<String> left, java.util.Map<String, String> whyKept, String expected,
                                        String pattern) {
        if (expected == null) {
            assertEquals(List.of(), left, name + ": " + whyKept);
            return;
        }
        assertTrue(!left.isEmpty(), name + " keeps what it should");
        assertTrue(whyKept.values().stream().anyMatch(why -> why.contains(expected) && why.matches(pattern)), name + ": " + whyKept);
    }

    /** The result, or the class of the exception thrown. */
    private static Object outcome(Method m, Object receiver, double[] x, double[] w) throws IllegalAccessException {
        try {
            return m.invoke(receiver, x.clone(), w.clone());
        } catch (InvocationTargetException e) {
            return e.getCause().getClass();
        }
    }

    /** What is compared: a double's bits (-0.0 is not 0.0, NaN is NaN), an array's element by element. */
    private static Object bits(Object outcome) {
        if (outcome instanceof Double d) return Double.doubleToLongBits(d);
        if (outcome instanceof double[] a) return Arrays.stream(a).mapToObj(Double::doubleToLongBits).toList();
        return outcome;
    }

    private static String describe(Object outcome) {
        return outcome instanceof double[] a ? Arrays.toString(a) : String.valueOf(outcome);
    }
}
