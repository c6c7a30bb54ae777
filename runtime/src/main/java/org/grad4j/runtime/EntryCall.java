package org.grad4j.runtime;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.lang.invoke.WrongMethodTypeException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.grad4j.GradientException;

/**
 * Calls a generated entry by the contract stated in {@link Bridge}: receiver, each parameter
 * (each double/float array followed by its shadow), the top continuation, a fresh {@link Ctx};
 * then reads the adjoint registers and shadows. Runs on the current thread: callers put it on
 * a worker ({@link Workers}).
 */
public final class EntryCall {
    private EntryCall() {}

    /** The method type the entry of {@code m} must have. */
    public static MethodType entryType(Method m) {
        List<Class<?>> params = new ArrayList<>();
        if (!java.lang.reflect.Modifier.isStatic(m.getModifiers())) params.add(m.getDeclaringClass());
        for (Class<?> p : m.getParameterTypes()) {
            params.add(p);
            if (Shadows.isDifferentiableArray(p)) params.add(p);
        }
        params.add(continuationType(m.getReturnType()));
        params.add(Ctx.class);
        return MethodType.methodType(void.class, params);
    }

    private static Class<?> continuationType(Class<?> result) {
        if (result == double.class) return DoubleContinuation.class;
        if (result == float.class) return FloatContinuation.class;
        if (result == double[].class || result == float[].class) return ArrayContinuation.class;
        throw new GradientException("grad4j: cannot seed a gradient of a " + result.getName()
                + " result; the differentiated method must return double or float");
    }

    /** Runs {@code entry} for {@code call} with the seed 1 and returns the value and adjoints. */
    public static Outcome run(Call call, MethodHandle entry) throws Throwable {
        return run(call, entry, TopContinuation.scalar(1.0));
    }

    /** Runs {@code entry} with the given top continuation (which seeds the output's adjoint). */
    public static Outcome run(Call call, MethodHandle entry, TopContinuation top) throws Throwable {
        Method m = call.method();
        MethodHandle typed = checkedType(entry, m);
        Class<?>[] types = m.getParameterTypes();
        Object[] args = call.args();
        Shadows shadows = new Shadows();
        Object[] shadowOf = new Object[types.length];
        List<Object> list = new ArrayList<>(types.length * 2 + 3);
        if (!call.isStatic()) list.add(call.receiver());
        for (int i = 0; i < types.length; i++) {
            list.add(args[i]);
            if (Shadows.isDifferentiableArray(types[i])) {
                shadowOf[i] = call.differentiated()[i] ? shadows.zerosLike(args[i]) : null;
                list.add(shadowOf[i]);
            }
        }
        Ctx ctx = new Ctx(Workers.budgetHere());
        list.add(top);
        list.add(ctx);
        Ctx outer = Workers.enter(ctx);
        try {
            typed.invokeWithArguments(list);
        } finally {
            Workers.leave(outer);
        }
        double value = m.getReturnType().isArray() ? Double.NaN : top.value();
        if (m.getReturnType().isArray()) top.arrayValue(); // checks the continuation ran
        double[] adjoints = new double[types.length];
        int register = 0;
        for (int i = 0; i < types.length; i++) {
            if (types[i] == double.class || types[i] == float.class) adjoints[i] = ctx.d[register++];
        }
        return new Outcome(value, adjoints, shadowOf);
    }

    private static MethodHandle checkedType(MethodHandle entry, Method m) {
        MethodType expected = entryType(m);
        if (entry == null) {
            throw new GradientException("grad4j internal error: the agent returned no entry for " + m);
        }
        try {
            return entry.asFixedArity().asType(expected);
        } catch (WrongMethodTypeException e) {
            throw new GradientException("grad4j internal error: the generated entry for " + m + " has type "
                    + entry.type() + ", but the entry contract (see org.grad4j.runtime.Bridge) requires " + expected, e);
        }
    }
}
