package org.grad4j.transformer.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Checks a generated gradient against central finite differences of the original method (run
 * as plain Java): the independent reference for every transformer test.
 */
public final class GradientCheck {
    private GradientCheck() {}

    public static Harness.Result check(Class<?> host, String name, Object... args) {
        return check(Harness.method(host, name), null, args);
    }

    /**
     * Checks both variants of the method: the one a gradient starts in (which may read inputs
     * again in reverse) and the one other generated code calls. Returns the first's result. The
     * first runs again as {@code AD.gradient} runs it, without the value, which may skip work that
     * only forms the value: its gradient must be the same to the bit.
     */
    public static Harness.Result check(Method m, Object receiver, Object... args) {
        Harness.Result outermost = check(m, receiver, true, args);
        check(m, receiver, false, args);
        if (m.getReturnType() == double.class) {
            Harness.Result gradientOnly = Harness.runGradientOnly(m, receiver, deepCopy(args));
            assertArrayEquals(outermost.scalarAdjoints(), gradientOnly.scalarAdjoints(), "without the value: " + m.getName());
            assertArrayEquals(outermost.shadows().toArray(), gradientOnly.shadows().toArray(), "without the value: " + m.getName());
        }
        return outermost;
    }

    private static Harness.Result check(Method m, Object receiver, boolean outermost, Object... args) {
        Object[] forGradient = deepCopy(args);
        Harness.Result r = Harness.run(m, receiver, outermost, forGradient);
        double primal = call(m, receiver, deepCopy(args));
        assertEquals(primal, r.value(), 1e-12 * Math.max(1, Math.abs(primal)), "value of " + m.getName());
        Class<?>[] types = m.getParameterTypes();
        int register = 0;
        int shadow = 0;
        for (int i = 0; i < args.length; i++) {
            if (types[i] == double.class || types[i] == float.class) {
                double fd = central(m, receiver, args, i, -1, -1);
                compare(m.getName() + " d/d arg" + i, fd, r.d(register++), types[i] == float.class ? 1e-2 : 2e-5);
            } else if (types[i] == double[].class) {
                double[] a = (double[]) args[i];
                double[] g = r.shadow(shadow++);
                for (int j = 0; j < a.length; j++) compare(m.getName() + " d/d arg" + i + "[" + j + "]", central(m, receiver, args, i, j, -1), g[j]);
            } else if (types[i] == double[][].class) {
                double[][] a = (double[][]) args[i];
                double[][] g = (double[][]) r.shadows().get(shadow++);
                for (int j = 0; j < a.length; j++) {
                    for (int l = 0; l < a[j].length; l++) {
                        compare(m.getName() + " d/d arg" + i + "[" + j + "][" + l + "]", central(m, receiver, args, i, j, l), g[j][l]);
                    }
                }
            } else if (types[i].isArray() && Harness.isDifferentiableArray(types[i])) {
                shadow++;
            }
        }
        return r;
    }

    private static void compare(String what, double expected, double actual) {
        compare(what, expected, actual, 2e-5);
    }

    private static void compare(String what, double expected, double actual, double relative) {
        double tol = relative * Math.max(1, Math.max(Math.abs(expected), Math.abs(actual)));
        if (!(Math.abs(expected - actual) <= tol)) {
            fail(what + ": finite differences give " + expected + ", grad4j gives " + actual);
        }
    }

    private static double central(Method m, Object receiver, Object[] args, int i, int j, int l) {
        double x = get(args[i], j, l);
        // floats carry 7 digits: a larger step keeps rounding out of the difference
        double h = (m.getParameterTypes()[i] == float.class ? 1e-3 : 1e-6) * Math.max(1, Math.abs(x));
        Object[] plus = deepCopy(args);
        Object[] minus = deepCopy(args);
        set(plus, i, j, l, x + h, m.getParameterTypes()[i]);
        set(minus, i, j, l, x - h, m.getParameterTypes()[i]);
        return (call(m, receiver, plus) - call(m, receiver, minus)) / (2 * h);
    }

    private static double get(Object a, int j, int l) {
        if (j < 0) return ((Number) a).doubleValue();
        if (l < 0) return ((double[]) a)[j];
        return ((double[][]) a)[j][l];
    }

    private static void set(Object[] args, int i, int j, int l, double v, Class<?> type) {
        if (j < 0) args[i] = type == float.class ? (Object) (float) v : (Object) v;
        else if (l < 0) ((double[]) args[i])[j] = v;
        else ((double[][]) args[i])[j][l] = v;
    }

    public static double call(Method m, Object receiver, Object[] args) {
        try {
            m.setAccessible(true);
            return ((Number) m.invoke(receiver, args)).doubleValue();
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        } catch (InvocationTargetException e) {
            throw new AssertionError(e.getCause());
        }
    }

    public static Object[] deepCopy(Object[] args) {
        Object[] c = args.clone();
        for (int i = 0; i < c.length; i++) c[i] = copy(c[i]);
        return c;
    }

    private static Object copy(Object o) {
        if (o instanceof double[] d) return d.clone();
        if (o instanceof float[] f) return f.clone();
        if (o instanceof double[][] dd) {
            double[][] c = new double[dd.length][];
            for (int i = 0; i < dd.length; i++) c[i] = dd[i] == null ? null : dd[i].clone();
            return c;
        }
        return o;
    }
}
