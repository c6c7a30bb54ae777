package org.grad4j.runtime;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Set;
import org.grad4j.GradientException;

/**
 * Checks a reflective gradient request ({@code AD.gradient(Method, receiver, args...)}) the
 * way {@link Method#invoke} checks a call — same receiver rules, same widening of boxed
 * primitives — but with messages that say what to pass instead.
 */
public final class MethodCalls {
    private MethodCalls() {}

    /** Which boxed values each primitive parameter accepts (identity or widening, as {@code Method.invoke}). */
    private static final Map<Class<?>, Set<Class<?>>> WIDENS_FROM = Map.of(
            double.class, Set.of(Double.class, Float.class, Long.class, Integer.class, Short.class, Byte.class, Character.class),
            float.class, Set.of(Float.class, Long.class, Integer.class, Short.class, Byte.class, Character.class),
            long.class, Set.of(Long.class, Integer.class, Short.class, Byte.class, Character.class),
            int.class, Set.of(Integer.class, Short.class, Byte.class, Character.class),
            short.class, Set.of(Short.class, Byte.class),
            char.class, Set.of(Character.class),
            byte.class, Set.of(Byte.class),
            boolean.class, Set.of(Boolean.class));

    /** A call of {@code method} on {@code receiver}; every double/float, array of them, {@code INDArray} and {@code INDArray[]} argument is differentiated. */
    public static Call resolve(Method method, Object receiver, Object[] args) {
        if (method == null) {
            throw new GradientException("grad4j: the method to differentiate is null");
        }
        String name = Dispatch.describe(method);
        Class<?> result = method.getReturnType();
        if (result != double.class && result != float.class) {
            throw new GradientException("grad4j: " + name + " returns " + result.getName()
                    + "; grad4j differentiates methods that return double or float");
        }
        boolean isStatic = Modifier.isStatic(method.getModifiers());
        if (!isStatic) {
            if (receiver == null) {
                throw new GradientException("grad4j: " + name + " is an instance method; pass the object to call it on as the receiver");
            }
            if (!method.getDeclaringClass().isInstance(receiver)) {
                throw new GradientException("grad4j: the receiver is a " + receiver.getClass().getName() + ", but "
                        + name + " is declared in " + method.getDeclaringClass().getName());
            }
        }
        Method impl = isStatic ? method : Dispatch.implementation(method, receiver);
        Dispatch.requireBytecode(impl);
        Object[] values = arguments(impl, name, args);
        Class<?>[] types = impl.getParameterTypes();
        boolean[] differentiated = new boolean[types.length];
        for (int i = 0; i < types.length; i++) {
            differentiated[i] = Shadows.isDifferentiableArray(types[i]) || Shadows.hasScalarRegister(types[i])
                    || Shadows.isTensor(types[i]) || Shadows.isTensorArray(types[i]);
        }
        if (!isStatic) refuseParameterAsPoint(receiver, values, differentiated, name);
        return new Call(impl, isStatic ? null : receiver, values, differentiated);
    }

    /**
     * Refuses an argument that is the value of one of the receiver's own {@code @Parameter} fields
     * (an array or tensor): the method reading that field reads a parameter, whose derivative this
     * gradient does not return, so the argument's gradient would silently lack that part.
     */
    private static void refuseParameterAsPoint(Object receiver, Object[] values, boolean[] differentiated, String name) {
        for (int i = 0; i < values.length; i++) {
            String field = differentiated[i] ? ModelParameters.ownParameterHolding(receiver, values[i]) : null;
            if (field != null) {
                throw new GradientException("grad4j: argument " + i + " of " + name + " is the value of the receiver's "
                        + "@Parameter field " + field + ", which the method may read too: that read is a parameter's, whose "
                        + "derivative this gradient does not return, so the argument's gradient would lack its part. Take "
                        + "the gradient with respect to the parameters with Model.gradient(receiver, r -> ...), or pass a "
                        + "copy of the value.");
            }
        }
    }

    private static Object[] arguments(Method m, String name, Object[] args) {
        Class<?>[] types = m.getParameterTypes();
        if (args == null) {
            throw new GradientException("grad4j: the argument array for " + name + " is null; pass "
                    + types.length + " argument(s)");
        }
        if (args.length != types.length) {
            throw new GradientException("grad4j: " + name + " takes " + types.length + " argument(s) "
                    + java.util.Arrays.toString(m.getParameters()) + ", but " + args.length + " were passed");
        }
        Object[] values = new Object[types.length];
        for (int i = 0; i < types.length; i++) values[i] = argument(types[i], args[i], i, m, name);
        return values;
    }

    private static Object argument(Class<?> type, Object arg, int i, Method m, String name) {
        String param = "argument " + i + " (" + m.getParameters()[i] + ") of " + name;
        if (type.isPrimitive()) {
            if (arg == null) {
                throw new GradientException("grad4j: " + param + " is null; pass a " + type.getName());
            }
            if (!WIDENS_FROM.get(type).contains(arg.getClass())) {
                throw new GradientException("grad4j: " + param + " is a " + arg.getClass().getName()
                        + ", which does not convert to " + type.getName());
            }
            return widen(type, arg);
        }
        if (arg != null && !type.isInstance(arg)) {
            throw new GradientException("grad4j: " + param + " is a " + arg.getClass().getName()
                    + ", not a " + type.getTypeName());
        }
        return arg;
    }

    /** The boxed value converted to exactly {@code type}'s wrapper. */
    private static Object widen(Class<?> type, Object arg) {
        if (type == char.class || type == boolean.class) return arg;
        Number n = arg instanceof Character c ? Integer.valueOf(c) : (Number) arg;
        if (type == double.class) return n.doubleValue();
        if (type == float.class) return n.floatValue();
        if (type == long.class) return n.longValue();
        if (type == int.class) return n.intValue();
        if (type == short.class) return n.shortValue();
        return n.byteValue();
    }
}
