package org.grad4j.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks which of several alike lambda sites made a lambda object (two non-capturing
 * {@code DoubleUnaryOperator}s in one class look the same from outside): calls the lambda and
 * each candidate at probe points and drops every candidate that computes a different number at
 * one of them. The lambda's own implementation is among the candidates and never dropped, so
 * when one is left it is that one. Only for interfaces whose method takes primitives.
 *
 * <p>The points must tell apart functions that agree on a half-line or an interval, as a
 * factory's activations do ({@code z -> z} and {@code z -> Math.max(z, 0)} agree for
 * {@code z >= 0}; {@code z -> Math.min(z, 1e3)} and {@code z -> z} below 1000): so both signs,
 * zero, and magnitudes from 1e-7 to 1e300, each a number no one writes as a threshold, small
 * ones first. Probing stops once one candidate is left, so a lambda meets a large argument only
 * when the small ones did not tell the candidates apart. With several parameters their signs
 * vary independently and their magnitudes differ. A point where the lambda throws (one that
 * checks its argument's domain) is skipped; at least {@link #ENOUGH} must count. Candidates that
 * agree at every point are all returned, and the caller refuses: choosing one would risk a
 * silent wrong gradient.
 *
 * <p>Probing runs the program's code once per lambda class and call site; a serializable lambda
 * needs none (it names its implementation). What the calls write into the arrays the lambda
 * captured (a counter of evaluations, a buffer) is undone after each call ({@link
 * CapturedArrays}), so the gradient's own run starts from the state the program left; other
 * side effects (a field, a log line) happen.
 */
final class LambdaProbe {
    /** Increasing, except two inside (0.1, 0.9) first, for lambdas defined only there. */
    private static final double[] MAGNITUDES = {
        0.3183098861837907, 0.7071067811865476, 0.0, 2.718281828459045e-7, 0.0313, 0.5772156649015329,
        0.9, 1.0, 1.2718281828459045, 2.718281828459045, 3.141592653589793, 7.38905609893065, 13.81,
        57.29577951308232, 271.8281828, 1732.0508075688772, 31415.926535, 420000.123, 6.02214076e7,
        9.8696044e10, 1.6180339887e15, 6.674e22, 2.99792458e40, 1.380649e100, 8.314462618e300,
    };
    /** Integral parameters are often counts or indices: larger ones would run long loops or fill memory. */
    private static final double LARGEST_INTEGRAL = 10_000;
    static final int ENOUGH = 2;

    private LambdaProbe() {}

    /**
     * The candidates that compute what {@code instance} computes at every probe point: one when
     * the lambda is told apart, several when they cannot be, none when no candidate matches or
     * the lambda cannot be probed (non-primitive parameters, no instance, too few points).
     *
     * @param candidates each {owner, name, descriptor, "static"|"virtual", …} (see {@link Bridge#lambdaImplementations})
     */
    static List<String[]> agreeing(Class<?> lambda, Method declared, String[][] candidates, Object instance) {
        if (candidates.length <= 1) return List.of(candidates);
        if (instance == null) return List.of();
        Class<?>[] types = declared.getParameterTypes();
        for (Class<?> p : types) if (!p.isPrimitive()) return List.of();
        Object[] captured;
        try {
            captured = capturedValues(lambda, instance);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return List.of();
        }
        // the probe must leave no trace: what the lambda writes into arrays it captured (a call counter) is undone
        CapturedArrays before = CapturedArrays.of(captured);
        try {
            return agreeing(declared, candidates, instance, captured, before, types, lambda.getClassLoader());
        } finally {
            before.restore();
        }
    }

    private static List<String[]> agreeing(Method declared, String[][] candidates, Object instance, Object[] captured,
                                           CapturedArrays before, Class<?>[] types, ClassLoader loader) {
        try {
            declared.setAccessible(true);
            List<String[]> alive = new ArrayList<>();
            List<MethodHandle> impls = new ArrayList<>();
            for (String[] c : candidates) {
                try {
                    impls.add(implementation(c, loader));
                    alive.add(c);
                } catch (ReflectiveOperationException unreachable) {
                    // not a method this lambda can run
                }
            }
            int signs = 1 << Math.max(1, Math.min(types.length, SIGNED_PARAMETERS)), counted = 0;
            for (int k = 0; k < MAGNITUDES.length * signs && (counted < ENOUGH || alive.size() > 1); k++) {
                Object[] args = args(types, k / signs, k % signs);
                String expected;
                try {
                    before.restore(); // each call sees the arrays as the lambda was given them
                    expected = String.valueOf(declared.invoke(instance, args));
                } catch (InvocationTargetException outsideItsDomain) {
                    continue; // not a point to compare at
                }
                counted++;
                for (int c = alive.size() - 1; c >= 0; c--) {
                    before.restore();
                    if (!computes(impls.get(c), captured, args, expected)) {
                        alive.remove(c);
                        impls.remove(c);
                    }
                }
            }
            return counted < ENOUGH ? List.of() : alive;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return List.of();
        }
    }

    private static Object[] capturedValues(Class<?> lambda, Object instance) throws IllegalAccessException {
        List<Field> fields = LambdaCaptures.fieldsOf(lambda);
        Object[] captured = new Object[fields.size()];
        for (int i = 0; i < captured.length; i++) {
            fields.get(i).setAccessible(true);
            captured[i] = fields.get(i).get(instance);
        }
        return captured;
    }

    private static boolean computes(MethodHandle impl, Object[] captured, Object[] args, String expected) {
        List<Object> all = new ArrayList<>(List.of(captured));
        all.addAll(List.of(args));
        try {
            // as text: NaN equals NaN, and 0.0 differs from -0.0
            return expected.equals(String.valueOf(impl.invokeWithArguments(all)));
        } catch (Throwable differs) {
            return false;
        }
    }

    private static MethodHandle implementation(String[] c, ClassLoader loader) throws ReflectiveOperationException {
        Class<?> owner = Class.forName(c[0], false, loader);
        MethodType type = MethodType.fromMethodDescriptorString(c[2], loader);
        MethodHandles.Lookup lookup;
        try {
            lookup = MethodHandles.privateLookupIn(owner, MethodHandles.lookup());
        } catch (IllegalAccessException closed) { // a JDK method (Math::tanh): public is enough
            lookup = MethodHandles.publicLookup();
        }
        return "static".equals(c[3]) ? lookup.findStatic(owner, c[1], type) : lookup.findVirtual(owner, c[1], type);
    }

    /**
     * The arguments at magnitude {@code j} and sign pattern {@code s}: parameter {@code i} takes
     * the next magnitude after parameter {@code i - 1}'s (wrapping round, so the last points pair
     * the largest with the smallest), negated when bit {@code i % SIGNED_PARAMETERS} of {@code s}
     * is set: the first four parameters take every combination of signs.
     */
    private static final int SIGNED_PARAMETERS = 4;

    private static Object[] args(Class<?>[] types, int j, int s) {
        Object[] a = new Object[types.length];
        for (int i = 0; i < a.length; i++) {
            double v = MAGNITUDES[(j + i) % MAGNITUDES.length];
            if ((s >> (i % SIGNED_PARAMETERS) & 1) != 0) v = -v;
            double n = Math.max(-LARGEST_INTEGRAL, Math.min(LARGEST_INTEGRAL, v * 10));
            Class<?> t = types[i];
            a[i] = t == double.class ? (Object) v : t == float.class ? (Object) (float) v
                    : t == long.class ? (Object) (long) n : t == int.class ? (Object) (int) n
                    : t == short.class ? (Object) (short) n : t == byte.class ? (Object) (byte) n
                    : t == char.class ? (Object) (char) Math.abs(n) : (Object) (v > 0);
        }
        return a;
    }
}
